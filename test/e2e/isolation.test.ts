// Issue 4: nothing in a lab reaches beyond it. A listener the test opens on the engine's
// host, on the docker0 bridge address, is unreachable from every lab host (routers
// included); every route in every host stays inside the lab.
import { createServer, type Server } from 'node:net';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { loadScenario } from '../../src/scenario/load.js';
import { Lab } from '../../src/lab/lab.js';
import { newRunId, planLab } from '../../src/lab/plan.js';
import { contains } from '../../src/util/ipv4.js';
import { findLeftovers, ROOT } from './helpers.js';

const runtime = new DockerRuntime();
let lab: Lab;
let listener: Server;
let accepted = 0;
let hostAddress: string;
let port: number;

beforeAll(async () => {
  // os.networkInterfaces() leaves out interfaces that are down, as docker0 is with no
  // container on it; `ip` lists it.
  const docker0 = /inet (\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }));
  if (!docker0) throw new Error('the engine host has no docker0 IPv4 address; this test needs one');
  hostAddress = docker0[1]!;
  listener = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, hostAddress, resolve));
  port = (listener.address() as { port: number }).port;

  const loaded = await loadScenario(join(ROOT, 'test/e2e/scenarios/isolation.yaml'));
  const plan = planLab(loaded.scenario, { runId: newRunId(), image: labImageRef() });
  lab = await Lab.up(runtime, loaded, plan, labImageRef(), { log: () => undefined });
});

afterAll(async () => {
  await lab?.teardown();
  listener?.close();
  if (lab) expect(await findLeftovers(runtime, lab.runId)).toEqual([]);
});

describe('lab isolation', () => {
  it('the host listener works from the host itself (the probe is real)', async () => {
    const { connect } = await import('node:net');
    await new Promise<void>((resolve, reject) => connect(port, hostAddress).on('connect', resolve).on('error', reject));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted).toBe(1);
  });

  it('no lab host reaches a listener on the engine host, nor the bridges\' reserved gateways', async () => {
    for (const host of lab.plan.hosts) {
      const targets = [hostAddress, ...lab.plan.networks.map((network) => network.spec.gateway)];
      for (const target of targets) {
        const probe = await lab.exec(host.name, ['sh', '-c', `nc -z -w 2 ${target} ${port}; echo "exit=$?"`]);
        expect(`${host.name} -> ${target}: ${probe.stdout.trim()}`).toBe(`${host.name} -> ${target}: exit=1`);
      }
    }
    expect(accepted).toBe(1); // only the test's own connection above
  });

  it('every route in every host stays inside the lab', async () => {
    const subnets = lab.plan.networks.map((network) => network.spec.subnet);
    const routerIps = lab.plan.hosts.filter((host) => host.role === 'router').flatMap((host) => Object.values(host.ips));
    for (const host of lab.plan.hosts) {
      const routes = (await lab.exec(host.name, ['ip', '-4', 'route'])).stdout.trim().split('\n');
      for (const route of routes) {
        const [destination] = route.split(' ');
        const via = / via (\S+)/.exec(route)?.[1];
        if (via) expect(routerIps, `${host.name}: ${route}`).toContain(via);
        else expect(subnets, `${host.name}: ${route}`).toContain(destination);
        if (destination === 'default') expect(subnets.some((subnet) => contains(subnet, via!))).toBe(true);
      }
      const hasDefault = routes.some((route) => route.startsWith('default'));
      expect(hasDefault, `${host.name}: ${routes.join('; ')}`).toBe(host.name === 'pc');
    }
  });
});
