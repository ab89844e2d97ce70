// The in-host agent (in-host/agent.ts and contract.ts's AGENT_SCRIPT), run here with this
// machine's own sh, coreutils and util-linux in place of a lab host: the same script, the
// same protocol, a session that is a child process instead of an engine exec. The engine's
// side (an exec with its input open) is covered by the e2e tests.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostAgent } from '../../src/in-host/agent.js';
import { AGENT_OUTPUT_CAP, AGENT_SCRIPT, RUN_DIR_IN_HOST } from '../../src/in-host/contract.js';
import { HostProcesses } from '../../src/in-host/in-host.js';
import type { ExecResult, ExecSession, Runtime, SessionOptions } from '../../src/runtime/runtime.js';
import { poll } from '../../src/util/abort.js';

let runDir: string;
beforeEach(async () => {
  runDir = await mkdtemp(join(tmpdir(), 'socklab-agent-'));
});
afterEach(async () => {
  await rm(runDir, { recursive: true, force: true });
});

/** A runtime whose sessions run the agent script here; `exec` records that it was needed. */
function localRuntime(options: { session?: (options: SessionOptions) => ExecSession } = {}) {
  const execs: string[][] = [];
  const agents: { pid: number; exited: Promise<void> }[] = [];
  const runtime = {
    async openSession(_container: string, command: string[], sessionOptions: SessionOptions): Promise<ExecSession> {
      expect(command).toEqual(['sh', '/lab/bin/agent']);
      if (options.session) return options.session(sessionOptions);
      const child = spawn('sh', ['-c', AGENT_SCRIPT.replaceAll(RUN_DIR_IN_HOST, runDir)], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.on('data', sessionOptions.stdout);
      child.stderr.on('data', sessionOptions.stderr);
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      agents.push({ pid: child.pid!, exited });
      return { write: (data) => void child.stdin.write(data), ended: exited, keepProcessAlive: () => undefined, close: () => child.stdin.end() };
    },
    async exec(_container: string, command: string[]): Promise<ExecResult> {
      execs.push(command);
      return { exitCode: 0, stdout: 'from an exec\n', stderr: '' };
    },
  } as unknown as Runtime;
  return { runtime, execs, agents };
}

/** Waits until the agent takes commands (the first one opens it). */
async function ready(agent: HostAgent) {
  await poll(async () => agent.run('true', { seconds: 5, asUser: false }), { timeoutMs: 5_000, intervalMs: 10 });
}

describe('the in-host agent', () => {
  it('runs commands one after another in one session, with their output, errors and exit codes', async () => {
    const { runtime, agents } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    for (let round = 0; round < 20; round += 1) {
      expect(await agent.run(`echo out ${round}; echo err >&2; exit ${round % 4}`, { seconds: 5, asUser: false })).toEqual({
        exitCode: round % 4,
        stdout: `out ${round}\n`,
        stderr: 'err\n',
        truncated: false,
      });
    }
    expect(agents).toHaveLength(1);
    agent.close();
    await agents[0]!.exited;
  });

  it("takes over the host's own first process once the host is set up: no session is opened for it", async () => {
    const { runtime, agents } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    const fromStart = agent.fromHostStart();
    // A command while the host sets itself up waits for it, as for an agent opening.
    const waiting = agent.run('echo waited', { seconds: 5, asUser: false });
    // The host's first process, once its setup is done: the agent script, on its own input and output.
    const child = spawn('sh', ['-c', AGENT_SCRIPT.replaceAll(RUN_DIR_IN_HOST, runDir)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', fromStart.sinks.stdout);
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    fromStart.adopt({ write: (data) => void child.stdin.write(data), ended: exited, keepProcessAlive: () => undefined, close: () => child.stdin.end() });
    expect((await waiting)?.stdout).toBe('waited\n');
    expect((await agent.run('echo again; exit 3', { seconds: 5, asUser: false }))?.exitCode).toBe(3);
    expect(agents).toHaveLength(0);
    agent.close();
    await exited;
  });

  it('opens an agent of its own at the first command when the host start gave no session', async () => {
    const { runtime, agents } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    agent.fromHostStart().adopt(undefined);
    expect((await agent.run('echo opened', { seconds: 5, asUser: false }))?.stdout).toBe('opened\n');
    expect(agents).toHaveLength(1);
    agent.close();
    await agents[0]!.exited;
  });

  it('hands the script over as written: several lines, quotes, backslashes, spaces at both ends', async () => {
    const { runtime } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    const script = ["printf '[%s]\\n' '  two  spaces  '", "printf '%s\\n' \"a\\\\b\" '$HOME'", '', 'cat <<EOF', '  indented', 'EOF'].join('\n');
    const answer = await agent.run(script, { seconds: 5, asUser: false });
    expect(answer?.stdout).toBe('[  two  spaces  ]\na\\b\n$HOME\n  indented\n');
    agent.close();
  });

  it('keeps the start of an output beyond its cap, and says it was cut', async () => {
    const { runtime } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    const answer = await agent.run(`head -c ${AGENT_OUTPUT_CAP + 1000} /dev/zero | tr '\\0' x; echo done >&2`, { seconds: 10, asUser: false });
    expect(answer?.stdout.length).toBe(AGENT_OUTPUT_CAP);
    expect(answer?.stderr).toBe('done\n');
    expect(answer?.truncated).toBe(true);
    // The next answer starts where it should: nothing of the cut output is left in the stream.
    expect((await agent.run('echo next', { seconds: 5, asUser: false }))?.stdout).toBe('next\n');
    agent.close();
  });

  it('kills a command at its deadline (exit 137) and goes on with the next', async () => {
    const { runtime } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    // As an exec's would be: the output so far, and nothing of the shell's own ("Killed").
    expect(await agent.run('echo looking; sleep 30', { seconds: 1, asUser: false })).toEqual({
      exitCode: 137,
      stdout: 'looking\n',
      stderr: '',
      truncated: false,
    });
    expect((await agent.run('echo alive', { seconds: 5, asUser: false }))?.stdout).toBe('alive\n');
    agent.close();
  });

  it('takes commands that come at once in turn, in the order they came', async () => {
    const { runtime, agents } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    // The first ones wait for the agent to open rather than take an exec each.
    const answers = await Promise.all([1, 2, 3, 4].map((n) => agent.run(`echo $(date +%s%N) ${n}`, { seconds: 5, asUser: false })));
    expect(agents).toHaveLength(1);
    const lines = answers.map((answer) => answer!.stdout.trim().split(' '));
    expect(lines.map(([, n]) => n)).toEqual(['1', '2', '3', '4']);
    const times = lines.map(([time]) => BigInt(time!));
    expect([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(times);
    agent.close();
  });

  it('a command does not wait long behind a slow one: it is left to an exec', async () => {
    const { runtime } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    const slow = agent.run('sleep 1; echo slow', { seconds: 5, asUser: false });
    expect(await agent.run('echo quick', { seconds: 5, asUser: false })).toBeUndefined();
    expect((await slow)?.stdout).toBe('slow\n');
    agent.close();
  });

  it('a command whose caller gives up keeps the agent busy until it ends; its answer is dropped', async () => {
    const { runtime } = localRuntime();
    const agent = new HostAgent(runtime, 'c');
    await ready(agent);
    const controller = new AbortController();
    const given = agent.run('sleep 1; echo late', { seconds: 5, asUser: false, signal: controller.signal });
    controller.abort(new Error('interrupted'));
    await expect(given).rejects.toThrow('interrupted');
    expect(await agent.run('echo meanwhile', { seconds: 5, asUser: false })).toBeUndefined();
    const after = await poll(async () => agent.run('echo after', { seconds: 5, asUser: false }), { timeoutMs: 5_000, intervalMs: 20 });
    expect(after?.stdout).toBe('after\n');
    agent.close();
  });

  it('an agent that ends mid-command answers nothing: HostProcesses runs the command as an exec instead', async () => {
    const { runtime, execs, agents } = localRuntime();
    const processes = new HostProcesses(runtime, 'c', { host: 'h', restricted: false });
    void processes.command('true');
    await poll(async () => (agents.length > 0 ? true : undefined), { timeoutMs: 5_000, intervalMs: 10 });
    // Give the session a moment to be taken into use, then kill the agent's shell under a running command.
    await new Promise((resolve) => setTimeout(resolve, 100));
    setTimeout(() => process.kill(agents[0]!.pid, 'SIGKILL'), 200);
    const result = await processes.command('sleep 2; echo from the agent');
    expect(result.stdout).toBe('from an exec\n');
    expect(execs.at(-1)).toEqual(['timeout', '-s', 'KILL', '10s', 'sh', '-c', 'sleep 2; echo from the agent']);
  });

  it('stops listening to an agent that says what it was not asked (a forged or broken answer)', async () => {
    let closed = false;
    let output: SessionOptions['stdout'] = () => undefined;
    let end = () => undefined as void;
    const { runtime } = localRuntime({
      session: (options) => {
        output = options.stdout;
        return {
          write: () => output(Buffer.from('socklab-agent 999 0 5 0\nforged')),
          ended: new Promise<void>((resolve) => (end = resolve)),
          keepProcessAlive: () => undefined,
          close: () => {
            closed = true;
            end();
          },
        };
      },
    });
    const agent = new HostAgent(runtime, 'c');
    expect(await agent.run('echo hi', { seconds: 5, asUser: false })).toBeUndefined();
    expect(closed).toBe(true);
  });

  it('a host without an agent (set up by an older socklab) goes back to one exec per command, for good', async () => {
    const { runtime, execs } = localRuntime({
      session: () => ({ write: () => undefined, ended: Promise.resolve(), keepProcessAlive: () => undefined, close: () => undefined }),
    });
    const processes = new HostProcesses(runtime, 'c', { host: 'h', restricted: false });
    for (let round = 0; round < 3; round += 1) expect((await processes.command('echo hi')).stdout).toBe('from an exec\n');
    expect(execs).toHaveLength(3);
  });

  it('closing lets go of an agent still opening: its engine call is aborted, not left to its deadline', async () => {
    let opening: AbortSignal | undefined;
    const { runtime } = localRuntime({
      session: () => {
        throw new Error('not used');
      },
    });
    // An engine that never answers the exec's start (seen for hosts being removed).
    (runtime as { openSession: Runtime['openSession'] }).openSession = (_container, _command, options) =>
      new Promise((_resolve, reject) => {
        opening = options.signal;
        options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
      });
    const processes = new HostProcesses(runtime, 'c', { host: 'h', restricted: false });
    void processes.command('true').catch(() => undefined);
    expect(opening?.aborted).toBe(false);
    processes.close();
    expect(opening?.aborted).toBe(true);
  });
});
