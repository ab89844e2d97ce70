// What a student reads of netstat and ps on a real host: Node's dual-stack listener counts
// as IPv4 and its peers read as IPv4; Docker's DNS resolver and socklab's own processes are
// hidden with a line saying so, and --raw shows them. Real engine.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, observedSection, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();
const LAB = 'e2e-views';

afterAll(async () => {
  await runCli(['down', LAB]);
});

describe('netstat and ps as a student reads them', () => {
  it("a Node server's default listen (tcp6 :::PORT) passes IPv4 listening and connection expectations", async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/dual-stack.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const netstat = observedSection(run.stdout, 'server', 'netstat');
    expect(netstat).toMatch(/10\.97\.40\.10:60009\s+10\.97\.40\.20:\d+\s+ESTABLISHED/);
    expect(netstat).not.toContain('::ffff:');
    expect(netstat).not.toMatch(/^\S+\s+\d+\s+\d+\s+127\.0\.0\.11:/m);
    expect(netstat).toContain("(hidden: 2 socket(s) of Docker's DNS resolver at 127.0.0.11");
    expect(await findLeftovers(runtime, runIdOf(run.stdout))).toEqual([]);
  }, 120_000);

  it('socklab netstat and ps hide the plumbing and say so; --raw shows it', async () => {
    const up = await runCli(['up', 'test/e2e/scenarios/dual-stack.yaml', '--name', LAB]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const ps = await runCli(['ps', `${LAB}/server`]);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).toContain('node -e');
    expect(ps.stdout).not.toMatch(/docker-init|sleep infinity|\/lab\/bin\/launch/);
    expect(ps.stderr).toMatch(/\(hidden: \d+ process\(es\) of Docker and socklab: .*--raw shows them\)/);
    const psRaw = await runCli(['ps', `${LAB}/server`, '--raw']);
    expect(psRaw.stdout).toMatch(/docker-init/);
    const netstat = await runCli(['netstat', `${LAB}/server`]);
    expect(netstat.stdout).not.toContain('127.0.0.11');
    expect(netstat.stderr).toContain("Docker's DNS resolver");
    const raw = await runCli(['netstat', `${LAB}/server`, '--raw']);
    expect(raw.stdout).toContain('127.0.0.11');
    // The path and name tools are in every host.
    const tools = await runCli(['exec', `${LAB}/client`, '--', 'sh', '-c', 'for tool in traceroute tracepath curl dig; do command -v $tool || exit 1; done']);
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout.trim().split('\n')).toHaveLength(4);
    expect((await runCli(['down', LAB])).code).toBe(0);
  }, 120_000);

  it('a capture filter with parentheses captures what it says; wait_for sees text on standard error', async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/capture-filter.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/IP 10\.97\.41\.20\.\d+ > 10\.97\.41\.10\.9: UDP/);
    expect(run.stdout).toMatch(/a \| ready/);
    expect(run.stdout).toMatch(/✔ 1 passed, 0 failed/);
  }, 120_000);
});
