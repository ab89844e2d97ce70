// Many copies of one lesson on one engine, each with exactly the lesson's addresses: runs
// of the same scenario at once, named copies brought up together, and proof that a copy
// reaches only itself. Real engine.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { TRANSIT_POOL } from '../../src/scenario/transit-pool.js';
import { overlaps } from '../../src/util/ipv4.js';
import { findLeftovers, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();
const COPIES = 'e2e-copy';

afterAll(async () => {
  await runCli(['down', `${COPIES}-*`]);
});

describe('copies of one lesson', () => {
  it('three runs of nat-pat at once all pass, each server seeing the translated client, and leave nothing', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => runCli(['run', 'scenarios/nat-pat.yaml'])));
    for (const run of runs) {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/server\s*\| connection from 203\.0\.113\.1:\d+/);
      expect(run.stdout).toMatch(/✔ \d+ passed, 0 failed/);
    }
    const ids = runs.map((run) => runIdOf(run.stdout));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(await findLeftovers(runtime, id)).toEqual([]);
  }, 180_000);

  it('up --copies 3 gives three labs with the same addresses that reach only themselves; down with a glob removes all', async () => {
    const up = await runCli(['up', 'scenarios/tcp-hello.yaml', '--copies', '3', '--name', COPIES]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain(`3 copies of tcp-hello are up`);
    expect(up.stderr).not.toMatch(/MaxListenersExceeded/);

    // The engine sees only transit subnets; the labels keep the lesson's.
    const networks = (await runtime.listNetworks()).filter((network) => network.labels[LABEL.lab]?.startsWith(`${COPIES}-`));
    expect(networks).toHaveLength(3);
    for (const network of networks) {
      expect(overlaps(network.subnets[0]!, TRANSIT_POOL)).toBe(true);
      expect(network.labels[LABEL.subnet]).toBe('10.0.0.0/24');
    }

    // In copy 2, the host sees the lesson's addresses and names, nothing of the transit pool.
    const addresses = await runCli(['exec', `${COPIES}-2/client`, '--', 'ip', '-4', '-o', 'addr', 'show']);
    expect(addresses.code, addresses.stderr).toBe(0);
    expect(addresses.stdout).toMatch(/eth0\s+inet 10\.0\.0\.20\/24/);
    expect(addresses.stdout).not.toMatch(/198\.1[89]\./);
    const hosts = await runCli(['exec', `${COPIES}-2/client`, '--', 'getent', 'hosts', 'server']);
    expect(hosts.stdout.trim()).toMatch(/^10\.0\.0\.10\s+server$/);

    // A connection from copy 2's client lands on copy 2's server, and on no other copy's.
    const hello = await runCli(['exec', `${COPIES}-2/client`, '--', 'node', '/lab/programs/tcp-hello-client.js', '--host', '10.0.0.10', '--port', '60001']);
    expect(hello.stdout).toContain('Hello World!');
    const logs = await Promise.all([1, 2, 3].map((copy) => runCli(['logs', `${COPIES}-${copy}/server`])));
    expect(logs.map((log) => /connection from 10\.0\.0\.20:/.test(log.stdout))).toEqual([false, true, false]);

    const status = await runCli(['status', '--json']);
    const labs = (JSON.parse(status.stdout) as { labs: { name: string }[] }).labs.map((lab) => lab.name).filter((name) => name.startsWith(COPIES));
    expect(labs).toEqual([`${COPIES}-1`, `${COPIES}-2`, `${COPIES}-3`]);

    const refused = await runCli(['up', 'scenarios/tcp-hello.yaml', '--name', `${COPIES}-1`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already up: e2e-copy-1 \(run [0-9a-f]{6}\)/);

    const down = await runCli(['down', `${COPIES}-*`]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/removed 3 labs \(e2e-copy-1, e2e-copy-2, e2e-copy-3\): 6 container\(s\), 3 network\(s\)/);
    const left = (await runtime.listContainers([LABEL.run])).filter((container) => container.labels[LABEL.lab]?.startsWith(COPIES));
    expect(left).toEqual([]);
  }, 180_000);

  it('UDP inside a lab loses nothing while other labs come up and go (the engine rewrites its chains each time)', async () => {
    // Without the lab's RETURN at the head of Docker's isolation chain, a few datagrams in a
    // thousand fell into the gap while the engine re-inserted FORWARD's jump to DOCKER-USER.
    const run = runCli(['run', 'test/e2e/scenarios/udp-churn.yaml']);
    let finished = false;
    void run.finally(() => (finished = true));
    let cycles = 0;
    while (!finished) {
      const up = await runCli(['up', 'scenarios/tcp-hello.yaml', '--copies', '3', '--name', `${COPIES}-churn`]);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const down = await runCli(['down', `${COPIES}-churn-*`]);
      expect(down.code, down.stderr).toBe(0);
      cycles++;
    }
    const result = await run;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/sent \d{3,}, lost 0/);
    expect(cycles).toBeGreaterThanOrEqual(2);
    expect(await findLeftovers(runtime, runIdOf(result.stdout))).toEqual([]);
  }, 180_000);
});
