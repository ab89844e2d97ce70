// Mistakes and failures reach the user in socklab's words, with a fix and the exit code the
// README's table gives: command-line mistakes and unknown labs or hosts exit 2; an image the
// engine lacks exits 2, naming the scenario's line (two labs of one subnet are no mistake);
// an engine that stops mid-run exits 3. Never a raw HTTP code, never a stack trace, and a file
// that is not a scenario is never quoted.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { listLabs } from '../../src/lab/labs.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { findLeftovers, runCli, runIdOf, startCli } from './helpers.js';

const runtime = new DockerRuntime();
const work = mkdtempSync(join(tmpdir(), 'socklab-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Nothing of socklab's words goes missing, and nothing of the engine's raw errors shows. */
function plainWords(output: string): void {
  expect(output).not.toMatch(/HTTP code|statusCode|\n\s+at .*\.(js|ts):\d+/);
}

const scenario = (name: string, body: string) => {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\n${body}`);
  return file;
};

describe('command-line mistakes exit 2', () => {
  it('an unknown command or option, an unknown lab or host', async () => {
    for (const args of [
      ['nosuch'],
      ['run', '--nosuch', 'x.yaml'],
      ['status', '--every', '1'],
      ['down', 'no-such-lab'],
      ['exec', 'no-such-host', '--', 'true'],
      ['capture', 'a', '--seconds', 'zero'],
    ]) {
      const { code, stderr } = await runCli(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      plainWords(stderr);
    }
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
  });
});

describe('what the engine would refuse', () => {
  it('an image the engine does not have: named at its line, nothing created', async () => {
    const file = scenario(
      'e2e-no-image',
      'networks:\n  lan: { subnet: 10.91.70.0/24 }\nhosts:\n  a:\n    networks: { lan: 10.91.70.10 }\n    image: socklab-no-such-image:1\n',
    );
    const { code, stderr } = await runCli(['run', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:7:12: hosts.a.image: the engine has no image 'socklab-no-such-image:1', and socklab does not pull images`);
    plainWords(stderr);
    expect((await runtime.listNetworks()).filter((network) => network.labels[LABEL.scenario] === 'e2e-no-image')).toEqual([]);
  });

  it('two labs that want one subnet, brought up at once, both come up with it', { timeout: 120_000 }, async () => {
    const body = 'networks:\n  lan: { subnet: 10.91.71.0/24 }\nhosts:\n  a: { networks: { lan: 10.91.71.10 } }\n';
    const [first, second] = await Promise.all([runCli(['up', scenario('e2e-race-one', body)]), runCli(['up', scenario('e2e-race-two', body)])]);
    try {
      expect([first.code, second.code], first.stdout + first.stderr + second.stdout + second.stderr).toEqual([0, 0]);
      for (const name of ['e2e-race-one', 'e2e-race-two']) {
        const address = await runCli(['exec', `${name}/a`, '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
        expect(address.stdout).toMatch(/inet 10\.91\.71\.10\/24/);
      }
    } finally {
      for (const lab of await listLabs(runtime)) if (lab.scenario.startsWith('e2e-race-')) await teardownRun(runtime, labImageRef(), lab.runId);
    }
  });
});

describe('an engine that stops mid-run', () => {
  it("is said in socklab's words, with what to do, exit 3", { timeout: 60_000 }, async () => {
    // The CLI reaches the engine through a proxy this test can cut, as if the engine stopped.
    const socketPath = join(work, 'engine.sock');
    const open = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const engine = connect('/var/run/docker.sock');
      for (const socket of [client, engine]) {
        open.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => open.delete(socket));
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
    const env = { DOCKER_HOST: `unix://${socketPath}` };
    const cli = startCli(['run', 'test/e2e/scenarios/hang-observe.yaml'], env);
    let runId: string | undefined;
    try {
      await cli.waitFor(/▶ step 1 observe a/);
      runId = runIdOf(cli.output());
      await new Promise<void>((resolve) => proxy.close(() => resolve()) && open.forEach((socket) => socket.destroy()));
      const result = await cli.result;
      expect(result.code, result.stdout + result.stderr).toBe(3);
      const said = result.stdout + result.stderr;
      expect(said).toContain(`cannot reach the Docker engine at ${socketPath}`);
      expect(said).toMatch(/it is not running, or it stopped\. Start it .* then run 'socklab cleanup'/);
      plainWords(said);
    } finally {
      proxy.close();
      // The engine never stopped for real: remove the lab the cut-off run could not.
      if (runId) await teardownRun(runtime, labImageRef(), runId);
    }
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });
});

describe('files that are not scenarios', () => {
  it('are refused without a word of what they hold', async () => {
    const secret = join(work, 'credentials.txt');
    writeFileSync(secret, 'password: hunter2-the-secret\nuser: teacher\n');
    const passwd = join(work, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nstudent:x:1000:1000::/home/student:/bin/sh\n');
    for (const file of [secret, passwd]) {
      for (const command of ['validate', 'run']) {
        const { code, stdout, stderr } = await runCli([command, file]);
        expect(code).toBe(2);
        expect(stdout + stderr).toContain('this is not a scenario, and socklab shows nothing of the contents of files not named .yaml or .yml');
        expect(stdout + stderr).not.toMatch(/hunter2|password|teacher|root:x|student/);
      }
    }
  });
});
