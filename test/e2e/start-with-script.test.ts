// A host sets itself up from the script it is started with (Runtime.startWithScript): ready
// when the script says so, the end of its output and its exit code when it fails, and a
// bounded wait when it hangs. Real engine, bare containers of one run id.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { findLeftovers } from './helpers.js';
import { poll } from '../../src/util/abort.js';
import type { ExecSession } from '../../src/runtime/runtime.js';

const runtime = new DockerRuntime();
const RUN = 'e2e5c1';
const READY = 'socklab: host set up';

afterAll(async () => {
  await teardownRun(runtime, labImageRef(), RUN);
  expect(await findLeftovers(runtime, RUN)).toEqual([]);
});

async function host(name: string): Promise<string> {
  const container = `sl-e2e-script-${name}-${RUN}`;
  await runtime.createContainer({
    name: container,
    hostname: name,
    image: labImageRef(),
    labels: { [LABEL.run]: RUN },
    networks: [],
    env: {},
    capAdd: [],
    sysctls: {},
    command: ['sh', '-s'],
    scriptOnStdin: true,
    limits: { memoryBytes: 64 * 1024 * 1024, pids: 64, cpus: 1 },
    readOnlyRoot: true,
    scratch: { '/tmp': 1024 * 1024 },
  });
  return container;
}

describe('starting a host with its setup script', () => {
  it('is ready once the script prints the ready line, and the host then runs on', async () => {
    const container = await host('fine');
    let copied = false;
    const started = await runtime.startWithScript(container, `{\necho setting up\necho '${READY}'\nexec sleep infinity\n} </dev/null`, {
      readyLine: READY,
      timeoutMs: 10_000,
      whileSettingUp: async () => {
        copied = true;
      },
    });
    expect(started).toEqual({ ready: true });
    expect(copied).toBe(true);
    const ps = await runtime.exec(container, ['ps', '-eo', 'args']);
    expect(ps.stdout).toContain('sleep infinity');
  });

  it('hands on the input and output after the ready line, what came with it included, until the session is closed', async () => {
    const container = await host('session');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // The ready line and the next one in one write: one frame, split where the ready line ends.
    const script = `{\n{ echo setting up; } </dev/null\nprintf '%s\\nright after\\n' '${READY}'\nwhile read -r line; do echo "got $line"; echo "err $line" >&2; done\nexec sleep infinity\n}`;
    const started = await runtime.startWithScript(container, script, {
      readyLine: READY,
      timeoutMs: 10_000,
      then: { stdout: (chunk) => out.push(chunk), stderr: (chunk) => err.push(chunk) },
    });
    expect(started.ready).toBe(true);
    const session = (started as { session?: ExecSession }).session!;
    session.write('ping\n');
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
    expect(await poll(async () => (text(err) === 'err ping\n' ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 })).toBe(true);
    expect(text(out)).toBe('right after\ngot ping\n');
    // Closed, the container's input ends: the script goes on past its loop, and the host runs on.
    session.close();
    await session.ended;
    const sleeping = await poll(async () => ((await runtime.exec(container, ['ps', '-eo', 'args'])).stdout.includes('sleep infinity') ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    expect(sleeping).toBe(true);
  });

  it('says how a failing script ended, with the end of what it printed', async () => {
    const container = await host('broken');
    const started = await runtime.startWithScript(container, `{\nset -e\necho 'ip: Nexthop has invalid gateway' >&2\nexit 2\n} </dev/null`, {
      readyLine: READY,
      timeoutMs: 10_000,
    });
    expect(started).toEqual({ ready: false, timedOut: false, exitCode: 2, output: 'ip: Nexthop has invalid gateway\n' });
  });

  it('stops waiting for a script that hangs', async () => {
    const container = await host('hangs');
    const before = Date.now();
    const started = await runtime.startWithScript(container, `{\nsleep 60\n} </dev/null`, { readyLine: READY, timeoutMs: 1_500 });
    expect(started).toMatchObject({ ready: false, timedOut: true });
    expect(Date.now() - before).toBeLessThan(8_000);
  });

  it('waits on for a script when its deadline grows meanwhile (many hosts starting at once), counted from when the container runs', async () => {
    const container = await host('crowded');
    let asked = 0;
    const before = Date.now();
    // Written as 1 s; asked again when that runs out, it has grown to 6 s: a script that
    // needs 2.5 s is ready in time.
    const started = await runtime.startWithScript(container, `{\nsleep 2.5\necho '${READY}'\nexec sleep infinity\n} </dev/null`, {
      readyLine: READY,
      timeoutMs: () => (++asked === 1 ? 1_000 : 6_000),
    });
    expect(started).toEqual({ ready: true });
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(Date.now() - before).toBeGreaterThanOrEqual(2_500);
  });

  it('gives way to an interruption while the container starts, with nothing left unhandled', async () => {
    // An interruption that came while the start call was under way once rejected a promise
    // nobody awaited yet: the process died of it (Ctrl+C during bring-up) and left the lab.
    const container = await host('interrupted');
    const controller = new AbortController();
    const starting = runtime.startWithScript(container, `{\necho '${READY}'\nexec sleep infinity\n} </dev/null`, {
      readyLine: READY,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    // After the attach (milliseconds), while the engine starts the container (a few hundred).
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 60);
    await expect(starting).rejects.toThrow(/SIGINT/);
  });
});
