// Orchestration logic against the in-memory runtime: bring-up order, and that a failed or
// interrupted bring-up removes everything it made (the e2e tests prove it on the engine).
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import { checkScenarioText, type LoadedScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/issues.js';
import { EngineError, type ExecSession, type SessionOptions } from '../../src/runtime/runtime.js';
import { Lab } from '../../src/lab/lab.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { planLab } from '../../src/lab/plan.js';
import { NO_REAPER, type Reaper } from '../../src/lab/reaper.js';
import { LABEL } from '../../src/runtime/labels.js';
import { TransitPool } from '../../src/lab/addressing.js';
import { TRANSIT_POOL } from '../../src/scenario/transit-pool.js';
import { overlaps } from '../../src/util/ipv4.js';

const IMAGE = 'socklab-lab:test';
const SCENARIO = `
name: unit-nat
networks:
  lan: { subnet: 192.168.0.0/24 }
  wan: { subnet: 203.0.113.0/24 }
hosts:
  client: { networks: { lan: 192.168.0.10 }, default_route: 192.168.0.1 }
  router: { role: router, networks: { lan: 192.168.0.1, wan: 203.0.113.1 }, nat: [{ masquerade: { out: wan } }] }
  server: { networks: { wan: 203.0.113.80 } }
`;

function load(text = SCENARIO): LoadedScenario {
  const result = checkScenarioText('/lessons/unit.yaml', Buffer.from(text));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.loaded;
}

const plan = (loaded: LoadedScenario) => planLab(loaded.scenario, { runId: 'abc123', image: IMAGE });
const quiet = { log: () => undefined, reaper: NO_REAPER };
const nothingLeft = (runtime: FakeRuntime) => {
  expect([...runtime.containers.keys()]).toEqual([]);
  expect([...runtime.networks.values()].filter((n) => LABEL.run in n.labels)).toEqual([]);
  expect([...runtime.hostRules]).toEqual([]);
};

describe('Lab.up', () => {
  it('creates networks, host rules for every bridge, containers; starts and configures every host', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    const lab = await Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet);
    expect(runtime.networks.size).toBe(2);
    const rules = [...runtime.hostRules];
    for (const bridge of ['sl-abc123-0lan', 'sl-abc123-1wan']) {
      // Routing on the bridge, nothing in or out of it, and the engine host out of reach (IPv4 and IPv6).
      expect(rules).toEqual(
        expect.arrayContaining([
          `iptables DOCKER-USER -i ${bridge} -o ${bridge} -j ACCEPT`,
          `iptables DOCKER-ISOLATION-STAGE-1 -i ${bridge} -o ${bridge} -j RETURN`,
          `iptables DOCKER-USER -i ${bridge} ! -o ${bridge} -j DROP`,
          `iptables DOCKER-USER -o ${bridge} ! -i ${bridge} -j DROP`,
          `iptables INPUT -i ${bridge} -j DROP`,
          `ip6tables INPUT -i ${bridge} -j DROP`,
        ]),
      );
    }
    expect([...runtime.containers.values()].every((c) => c.running)).toBe(true);
    const order = runtime.calls.map((call) => call.method);
    expect(order.indexOf('createNetwork')).toBeLessThan(order.indexOf('createContainer'));
    expect(order.lastIndexOf('createContainer')).toBeLessThan(order.indexOf('startWithScript'));
    // Each host sets itself up from the script it is started with: no command is run into it.
    expect(order).not.toContain('exec');
    const setup = runtime.calls.filter((call) => call.method === 'startWithScript').map((call) => call.args.join(' '));
    expect(setup.some((line) => line.includes('ip route replace default via 192.168.0.1'))).toBe(true);
    expect(setup.some((line) => line.includes('-j MASQUERADE'))).toBe(true);

    const removed = await lab.teardown();
    expect(removed).toEqual({ containers: 3, networks: 2, rules: rules.length });
    nothingLeft(runtime);
  });

  it('with a rules keeper (a lab that goes down in the same process): one helper sets the rules and, at teardown, removes them by exec', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    const lab = await Lab.up(runtime, loaded, plan(loaded), IMAGE, { ...quiet, rulesKeeper: true });
    const rules = [...runtime.hostRules];
    expect(rules).toHaveLength(14);
    const keeper = runtime.containers.get('sl-abc123-rules')!;
    expect(keeper.running).toBe(true);
    expect(keeper.labels).toMatchObject({ [LABEL.run]: 'abc123', [LABEL.helper]: 'rules-keeper' });
    const methods = () => runtime.calls.map((call) => call.method);
    expect(methods()).not.toContain('runHelper');

    const removed = await lab.teardown();
    // The three hosts (the keeper is not one), every rule, and no helper run for it.
    expect(removed).toEqual({ containers: 3, networks: 2, rules: rules.length });
    expect(methods()).not.toContain('runHelper');
    nothingLeft(runtime);
  });

  it('removes the rules with a helper of its own when the keeper is gone', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    const lab = await Lab.up(runtime, loaded, plan(loaded), IMAGE, { ...quiet, rulesKeeper: true });
    const rules = runtime.hostRules.size;
    await runtime.removeContainer('sl-abc123-rules');
    expect(await lab.teardown()).toEqual({ containers: 3, networks: 2, rules });
    expect(runtime.calls.map((call) => call.method)).toContain('runHelper');
    nothingLeft(runtime);
  });

  it('removes everything it made when a container fails to start', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE], failOn: [{ method: 'startWithScript', name: 'sl-unit-nat-server-abc123' }] });
    const loaded = load();
    await expect(Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet)).rejects.toThrow(/fake startWithScript failure/);
    nothingLeft(runtime);
  });

  it('removes everything it made when host setup fails', async () => {
    const runtime = new FakeRuntime({
      images: [IMAGE],
      execAnswer: (container) => (container.includes('-router-') ? { exitCode: 2, stdout: '', stderr: 'iptables: Permission denied' } : undefined),
    });
    const loaded = load();
    await expect(Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet)).rejects.toThrow(
      /the setup \(addresses, routes, NAT, files\) failed on host 'router' \(exit 2: iptables: Permission denied\)/,
    );
    nothingLeft(runtime);
  });

  it('stops and removes everything when aborted during bring-up', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const controller = new AbortController();
    const loaded = load();
    const original = runtime.createContainer.bind(runtime);
    runtime.createContainer = async (spec) => {
      await original(spec);
      controller.abort(new Error('interrupted by SIGINT'));
    };
    await expect(Lab.up(runtime, loaded, plan(loaded), IMAGE, { ...quiet, signal: controller.signal })).rejects.toThrow(/SIGINT/);
    expect(runtime.calls.some((call) => call.method === 'startWithScript')).toBe(false);
    nothingLeft(runtime);
  });

  it('hands the run to the reaper before creating anything, and takes it back once all is removed', async () => {
    const seen: string[] = [];
    const runtime = new FakeRuntime({ images: [IMAGE], failOn: [{ method: 'startWithScript', name: 'sl-unit-nat-server-abc123' }] });
    const reaper: Reaper = {
      watch: (run) => seen.push(`watch ${run} after ${runtime.calls.filter((c) => c.method.startsWith('create')).length} creations`),
      release: (run) => seen.push(`release ${run}`),
    };
    const loaded = load();
    await expect(Lab.up(runtime, loaded, plan(loaded), IMAGE, { ...quiet, reaper })).rejects.toThrow();
    expect(seen).toEqual(['watch abc123 after 0 creations', 'release abc123']);
    nothingLeft(runtime);
  });

  it('reports an image the engine does not have, at the line that names it, before creating anything', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load(SCENARIO.replace('server: { networks: { wan: 203.0.113.80 } }', 'server: { networks: { wan: 203.0.113.80 }, image: "nosuch:1" }'));
    const error = await Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    const [issue] = (error as ScenarioError).issues;
    expect(issue).toMatchObject({ path: 'hosts.server.image', layer: 'engine' });
    expect(issue!.message).toMatch(/the engine has no image 'nosuch:1', and socklab does not pull images/);
    expect(runtime.calls.some((call) => call.method.startsWith('create'))).toBe(false);
  });

  it("gives each bridge a transit subnet and each host the lesson's address in place of its transit one", async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    await Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet);
    const networks = [...runtime.networks.values()].filter((network) => 'subnet' in network);
    for (const network of networks) expect(overlaps(network.subnet, TRANSIT_POOL)).toBe(true);
    const router = runtime.containers.get('sl-unit-nat-router-abc123')!;
    expect(router.networks.every((attachment) => overlaps(`${attachment.ip}/32`, TRANSIT_POOL))).toBe(true);
    expect(router.labels[LABEL.addresses]).toBe('lan=192.168.0.1,wan=203.0.113.1');
    expect(router.extraHosts).toEqual(
      expect.arrayContaining([
        { name: 'client', ip: '192.168.0.10' },
        { name: 'server', ip: '203.0.113.80' },
      ]),
    );
    const setup = runtime.calls
      .filter((call) => call.method === 'startWithScript' && call.args[0] === 'sl-unit-nat-router-abc123')
      .map((call) => String(call.args[1]));
    expect(setup.join('\n')).toContain('ip addr add 192.168.0.1/24 dev');
    expect(setup.join('\n')).toContain('ip addr add 203.0.113.1/24 dev');
  });

  it('brings up copies of one lesson side by side, with the same lesson addresses on different transit subnets', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE], existingNetworks: [{ name: 'office-net', id: 'x', subnets: ['192.168.0.0/16'], labels: {} }] });
    const loaded = load();
    const runs = ['aaaaaa', 'bbbbbb', 'cccccc'];
    await Promise.all(runs.map((runId) => Lab.up(runtime, loaded, planLab(loaded.scenario, { runId, image: IMAGE, labName: `class-${runId}` }), IMAGE, quiet)));
    const transit = [...runtime.networks.values()].flatMap((network) => ('subnet' in network ? [network.subnet] : []));
    expect(transit).toHaveLength(6);
    for (const [index, subnet] of transit.entries()) {
      expect(transit.slice(index + 1).some((other) => overlaps(other, subnet))).toBe(false);
    }
    const clients = [...runtime.containers.values()].filter((container) => container.labels[LABEL.host] === 'client');
    expect(clients.map((client) => client.labels[LABEL.addresses])).toEqual(['lan=192.168.0.10', 'lan=192.168.0.10', 'lan=192.168.0.10']);
    expect(clients.map((client) => client.labels[LABEL.lab]).sort()).toEqual(['class-aaaaaa', 'class-bbbbbb', 'class-cccccc']);
  });

  it('picks another transit subnet when the engine says the one chosen was taken meanwhile', async () => {
    // Another process takes the first block between the listing and the creation.
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const transit = new TransitPool(TRANSIT_POOL, () => 0);
    const original = runtime.listNetworks.bind(runtime);
    let listed = false;
    runtime.listNetworks = async () => {
      const networks = await original();
      if (!listed) {
        listed = true;
        runtime.networks.set('other', { name: 'other', bridgeName: 'x', subnet: '198.18.0.0/24', gateway: '198.18.0.254', labels: {} });
      }
      return networks;
    };
    const loaded = load();
    await Lab.up(runtime, loaded, plan(loaded), IMAGE, { ...quiet, transit });
    const ours = [...runtime.networks.values()].filter((network) => LABEL.run in network.labels);
    expect(ours).toHaveLength(2);
    for (const network of ours) expect('subnet' in network && overlaps(network.subnet, '198.18.0.0/24')).toBe(false);
  });
});

describe('teardownRun', () => {
  it('waits while the engine still counts the endpoints of containers it has just removed', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    await Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet);
    const original = runtime.removeNetwork.bind(runtime);
    let refusals = 0;
    runtime.removeNetwork = async (name) => {
      if (refusals++ < 2)
        throw new EngineError('conflict', `removing network ${name}`, `error while removing network: network ${name} id x has active endpoints`);
      return original(name);
    };
    await teardownRun(runtime, IMAGE, 'abc123');
    expect(refusals).toBeGreaterThan(2);
    nothingLeft(runtime);
  });

  it('removes only the given run, and everything socklab owns without a run id', async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const loaded = load();
    await Lab.up(runtime, loaded, planLab(loaded.scenario, { runId: 'aaaaaa', image: IMAGE }), IMAGE, quiet);
    const other = load(SCENARIO.replace(/192\.168\.0/g, '192.168.1').replace(/203\.0\.113/g, '198.51.100'));
    await Lab.up(runtime, other, planLab(other.scenario, { runId: 'bbbbbb', image: IMAGE }), IMAGE, quiet);
    expect(runtime.containers.size).toBe(6);
    await teardownRun(runtime, IMAGE, 'aaaaaa');
    expect([...runtime.containers.keys()].every((name) => name.endsWith('-bbbbbb'))).toBe(true);
    expect([...runtime.hostRules].every((rule) => rule.includes(' sl-bbbbbb-'))).toBe(true);
    await teardownRun(runtime, IMAGE);
    nothingLeft(runtime);
  });
});

describe('Lab.teardown', () => {
  it("lets go of the hosts' agents first, one still opening included (an engine may never answer for a host being removed)", async () => {
    const opening: AbortSignal[] = [];
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const hangingOpen = (_container: string, _command: string[], options: SessionOptions) =>
      new Promise<ExecSession>((_resolve, reject) => {
        opening.push(options.signal!);
        options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
      });
    runtime.openSession = hangingOpen as unknown as FakeRuntime['openSession'];
    const loaded = load();
    const lab = await Lab.up(runtime, loaded, plan(loaded), IMAGE, quiet);
    void lab
      .inHost('client')
      .command('true')
      .catch(() => undefined);
    expect(opening.map((signal) => signal.aborted)).toEqual([false]);
    await lab.teardown();
    expect(opening.map((signal) => signal.aborted)).toEqual([true]);
    nothingLeft(runtime);
  });
});
