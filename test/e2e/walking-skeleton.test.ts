// The walking skeleton, end to end through the real CLI and the real engine.
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { parseNetstat } from '../../src/observe/netstat.js';
import { findLeftovers, observedSection, runCli, runIdOf, startCli } from './helpers.js';

const runtime = new DockerRuntime();

describe('socklab run scenarios/tcp-hello.yaml', () => {
  it('greets across two containers and shows both sides in netstat and ps', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'scenarios/tcp-hello.yaml']);
    expect(code, stderr + stdout).toBe(0);

    expect(stdout).toMatch(/^client\s+\| Hello World!$/m);
    const peer = /^server\s+\| connection from 10\.0\.0\.20:(\d+)$/m.exec(stdout);
    expect(peer, stdout).not.toBeNull();
    const clientPort = Number(peer![1]);
    expect(clientPort).toBeGreaterThan(1023);

    const serverSockets = parseNetstat(observedSection(stdout, 'server', 'netstat'));
    expect(serverSockets.some((s) => s.state === 'LISTEN' && s.local.port === 60001)).toBe(true);
    expect(serverSockets.some((s) => s.local.ip === '10.0.0.10' && s.local.port === 60001 && s.remote.ip === '10.0.0.20' && s.remote.port === clientPort)).toBe(
      true,
    );

    expect(observedSection(stdout, 'server', 'ps aux')).toMatch(/node \/lab\/programs\/tcp-hello-server\.js/);
    expect(observedSection(stdout, 'client', 'ps aux')).not.toMatch(/tcp-hello/);
    // The section really is there: ps's header, and the line saying what of Docker's and socklab's was hidden.
    expect(observedSection(stdout, 'client', 'ps aux')).toMatch(/^USER\s+PID .*COMMAND\n\(hidden: \d+ process\(es\) of Docker and socklab/);

    expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
  });

  it('exits 1 on a failing expectation, naming the step and the host', async () => {
    const { code, stdout } = await runCli(['run', 'test/e2e/scenarios/wrong-greeting.yaml']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/step 2 on client: .*stdout does not contain "Goodbye World!"; it was "Hello World!/);
    expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
  });

  it('tears everything down when interrupted with SIGINT mid-lesson', async () => {
    const cli = startCli(['run', 'test/e2e/scenarios/interrupted.yaml']);
    await cli.waitFor(/▶ step 2 sleep/);
    const { result } = cli;
    const before = await findLeftovers(runtime);
    expect(before.some((item) => item.startsWith('rule '))).toBe(true); // the lab really had host rules
    cli.kill('SIGINT');
    const { code, stdout } = await result;
    expect(code).toBe(130);
    expect(stdout).toMatch(/SIGINT received/);
    const runId = runIdOf(stdout);
    expect(runId).toBeDefined();
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });

  it('tears everything down when its output pipe closes mid-lesson (`| head`), exiting 141', async () => {
    const cli = startCli(['run', 'scenarios/tcp-hello.yaml']);
    await cli.waitFor(/\(run ([0-9a-f]{6})\)/);
    const runId = runIdOf(cli.output());
    cli.closeStdout(); // the next line the lesson prints meets a closed pipe
    const { code } = await cli.result;
    expect(code).toBe(141);
    expect(runId).toBeDefined();
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });
});
