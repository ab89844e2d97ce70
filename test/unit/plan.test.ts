// Lab planning: names, bridges, labels and per-host setup, without an engine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScenarioText, loadScenario } from '../../src/scenario/load.js';
import { bridgeNames, hostSetupScript, planLab } from '../../src/lab/plan.js';
import { impairmentScript } from '../../src/lab/impairments.js';
import { masqueradeScript } from '../../src/lab/nat.js';
import { hostImpairments, lossyNetworks, netemOnlyUses } from '../../src/scenario/impairments.js';
import { LABEL } from '../../src/runtime/labels.js';
import { TransitPool, addressLab, transitPrefix } from '../../src/lab/addressing.js';

const load = (text: string) => {
  const result = checkScenarioText('/x/plan.yaml', Buffer.from(text));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.loaded.scenario;
};

const NAT = load(`
name: plan
networks:
  lan: { subnet: 192.168.0.0/24 }
  internet: { subnet: 203.0.113.0/24 }
  dmz: { subnet: 10.10.10.0/24 }
hosts:
  client: { networks: { lan: 192.168.0.10 }, default_route: 192.168.0.1 }
  routerA: { role: router, networks: { lan: 192.168.0.1, internet: 203.0.113.1 }, nat: [{ masquerade: { out: internet } }] }
  routerB:
    role: router
    networks: { internet: 203.0.113.3, dmz: 10.10.10.1 }
    nat: [{ port_forward: { network: internet, protocol: tcp, port: 80, to: "10.10.10.67:60001" } }]
    routes: [{ to: 192.168.0.0/24, via: 203.0.113.1 }]
  server: { networks: { dmz: 10.10.10.67 }, default_route: 10.10.10.1, env: { GREETING: hi, PORT: 1 } }
`);

describe('bridgeNames', () => {
  it('keeps within the 15-character interface limit and stays unique', () => {
    const names = bridgeNames('abc123', ['lan', 'internet', 'internet2', 'dmz']);
    expect([...names.values()]).toEqual(['sl-abc123-0lan', 'sl-abc123-1inte', 'sl-abc123-2inte', 'sl-abc123-3dmz']);
    for (const name of names.values()) expect(name.length).toBeLessThanOrEqual(15);
  });

  it("cannot give two networks one bridge, whatever their names (a short name equal to another's shortened one)", () => {
    // Once, a network named n1 and a long name shortened to n1 both became sl-RUN-n1.
    const networks = ['averyveryverylongname', 'n1', 'n0', 'a', 'averyveryverylongname2', ...Array.from({ length: 20 }, (_, i) => `n${i}`)];
    const names = [...bridgeNames('abc123', networks).values()];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(15);
  });
});

describe('planLab', () => {
  const plan = planLab(NAT, { runId: 'abc123', image: 'socklab-lab:x', scenarioFile: '/x/plan.yaml' });

  it('labels every network and container with run, scenario and their own name', () => {
    for (const network of plan.networks) {
      expect(network.spec.labels).toMatchObject({ [LABEL.run]: 'abc123', [LABEL.scenario]: 'plan', [LABEL.network]: network.name });
      expect(network.spec.bridgeName.startsWith('sl-abc123-')).toBe(true);
    }
    for (const host of plan.hosts) {
      expect(host.spec.labels).toMatchObject({ [LABEL.run]: 'abc123', [LABEL.scenario]: 'plan', [LABEL.host]: host.name, [LABEL.role]: host.role });
      expect(host.spec.hostname).toBe(host.name);
      expect(host.spec.capAdd).toEqual(['NET_ADMIN']);
    }
  });

  it("keeps each network's lesson subnet and members, and labels it with the subnet (the engine knows only the transit one)", () => {
    expect(plan.networks.map((n) => [n.name, n.subnet, n.members])).toEqual([
      ['lan', '192.168.0.0/24', ['client', 'routerA']],
      ['internet', '203.0.113.0/24', ['routerA', 'routerB']],
      ['dmz', '10.10.10.0/24', ['routerB', 'server']],
    ]);
    expect(plan.networks[0]!.spec.labels[LABEL.subnet]).toBe('192.168.0.0/24');
    expect(plan.hosts.find((h) => h.name === 'routerB')!.spec.labels[LABEL.addresses]).toBe('internet=203.0.113.3,dmz=10.10.10.1');
  });

  it('names the objects after the lab, so copies of one scenario are told apart', () => {
    const copy = planLab(NAT, { runId: 'abc123', image: 'i', labName: 'class-7' });
    expect(copy.hosts[0]!.spec.name).toBe('sl-class-7-client-abc123');
    expect(copy.hosts[0]!.spec.labels).toMatchObject({ [LABEL.lab]: 'class-7', [LABEL.scenario]: 'plan' });
    expect(plan.hosts[0]!.spec.labels[LABEL.lab]).toBe('plan');
  });

  it('turns forwarding on for routers only, lets every host ping without raw sockets, and sets rules on every bridge', () => {
    const routerA = plan.hosts.find((h) => h.name === 'routerA')!;
    const client = plan.hosts.find((h) => h.name === 'client')!;
    const ping = { 'net.ipv4.ping_group_range': '0 2147483647' };
    expect(routerA.spec.sysctls).toEqual({ ...ping, 'net.ipv4.ip_forward': '1' });
    expect(client.spec.sysctls).toEqual(ping);
    expect(plan.bridges).toHaveLength(3);
    expect(plan.hosts.find((h) => h.name === 'server')!.spec.env).toEqual({ GREETING: 'hi', PORT: '1' });
  });

  it('boxes every host: default limits, a read-only root and in-memory writable folders', () => {
    for (const host of plan.hosts) {
      expect(host.spec.limits).toEqual({ memoryBytes: 512 * 1024 * 1024, pids: 512, cpus: 1 });
      expect(host.spec.readOnlyRoot).toBe(true);
      expect(Object.keys(host.spec.scratch)).toEqual(expect.arrayContaining(['/lab', '/tmp', '/root', '/srv']));
      for (const size of Object.values(host.spec.scratch)) expect(size).toBe(256 * 1024 * 1024);
      expect(host.spec.labels).toMatchObject({ [LABEL.memory]: String(512 * 1024 * 1024), [LABEL.hosts]: '4' });
      expect(host.spec.labels[LABEL.owner]).toMatch(new RegExp(`/${process.pid}/\\d*$`));
    }
  });

  it("takes a host's own limits from the scenario", () => {
    const small = load(
      'name: small\nnetworks: { lan: { subnet: 10.0.0.0/24 } }\nhosts: { a: { networks: { lan: 10.0.0.1 }, limits: { memory: 64m, pids: 100, cpus: 0.5 } } }\n',
    );
    const [host] = planLab(small, { runId: 'ffffff', image: 'i' }).hosts;
    expect(host!.spec.limits).toEqual({ memoryBytes: 64 * 1024 * 1024, pids: 100, cpus: 0.5 });
    expect(host!.spec.scratch['/tmp']).toBe(32 * 1024 * 1024);
  });

  it('marks a lab to be kept up on purpose', () => {
    expect(planLab(NAT, { runId: 'abc123', image: 'i', keep: true }).hosts[0]!.spec.labels[LABEL.keep]).toBe('true');
    expect(plan.hosts[0]!.spec.labels[LABEL.keep]).toBeUndefined();
  });

  it('attaches each container to its networks with a transit address, in order, and swaps it for the lesson address at setup', () => {
    const transit = new Map([
      ['lan', '198.18.0.0/29'],
      ['internet', '198.18.0.8/29'],
      ['dmz', '198.18.0.16/29'],
    ]);
    const addressed = addressLab(plan, transit);
    expect(addressed.networks.map((n) => [n.subnet, n.gateway])).toEqual([
      ['198.18.0.0/29', '198.18.0.6'],
      ['198.18.0.8/29', '198.18.0.14'],
      ['198.18.0.16/29', '198.18.0.22'],
    ]);
    const routerB = addressed.containers[plan.hosts.findIndex((h) => h.name === 'routerB')]!;
    expect(routerB.networks).toEqual([
      { network: 'sl-plan-internet-abc123', ip: '198.18.0.10' },
      { network: 'sl-plan-dmz-abc123', ip: '198.18.0.17' },
    ]);
    const script = addressed.readdress.get('routerB')!;
    expect(script).toContain('dev0=$(ip -o -4 addr show to 198.18.0.10 ');
    expect(script).toContain('ip addr add 203.0.113.3/24 dev "$dev0"');
    expect(script).toContain('ip addr add 10.10.10.1/24 dev "$dev1"');
    // Names in /etc/hosts: the lesson's addresses, the one on a shared network first.
    expect(routerB.extraHosts!.filter((entry) => entry.name === 'routerA')).toEqual([
      { name: 'routerA', ip: '203.0.113.1' },
      { name: 'routerA', ip: '192.168.0.1' },
    ]);
  });
});

describe('TransitPool', () => {
  it('sizes blocks for the hosts on a network, plus network, broadcast and gateway addresses', () => {
    expect([1, 2, 5, 6, 100, 253].map(transitPrefix)).toEqual([30, 29, 29, 28, 25, 24]);
  });

  it('never hands out a block twice, nor one the engine holds, and takes blocks back', () => {
    const pool = new TransitPool('198.18.0.0/28', () => 0);
    expect(new TransitPool('198.18.0.0/28', () => 0).claim(2, ['198.18.0.0/30'])).toBe('198.18.0.8/29');
    const first = pool.claim(2, []);
    const second = pool.claim(2, []);
    expect([first, second]).toEqual(['198.18.0.0/29', '198.18.0.8/29']);
    expect(() => pool.claim(2, [])).toThrow(/no room left in 198\.18\.0\.0\/28/);
    pool.release(first);
    expect(pool.claim(2, [])).toBe(first);
  });
});

describe('hostSetupScript', () => {
  it("replaces Docker's default route, or removes it so nothing leaves the lab", () => {
    expect(hostSetupScript(NAT.hosts.client!)).toContain('ip route replace default via 192.168.0.1');
    expect(hostSetupScript(NAT.hosts.routerA!)).toContain('ip route del default');
  });

  it('writes masquerade on the out interface, port forwards on the public address, and static routes', () => {
    const a = hostSetupScript(NAT.hosts.routerA!);
    expect(a).toMatch(/nat_out=\$\(ip -o -4 addr show to 203\.0\.113\.1 .*\)\niptables -t nat -A POSTROUTING -o "\$nat_out" -j MASQUERADE/);
    const b = hostSetupScript(NAT.hosts.routerB!);
    expect(b).toContain('iptables -t nat -A PREROUTING -d 203.0.113.3 -p tcp --dport 80 -j DNAT --to-destination 10.10.10.67:60001');
    expect(b).toContain('ip route replace 192.168.0.0/24 via 203.0.113.1');
  });
});

describe('impairments in the setup script', () => {
  const scenario = {
    networks: { lan: { subnet: '10.0.0.0/24', impair: { rate: '1mbit', loss: '10%' } }, wan: { subnet: '10.1.0.0/24' } },
    hosts: {
      a: { role: 'host' as const, networks: { lan: '10.0.0.10' }, impair: { lan: { loss: 50, delay: '20ms', jitter: '5ms' } } },
      b: { role: 'router' as const, networks: { lan: '10.0.0.1', wan: '10.1.0.1' } },
    },
  };

  it("lays a host's own impairments over its network's, key by key, in tc's units", () => {
    expect(hostImpairments(scenario, 'a')).toEqual([
      { network: 'lan', ip: '10.0.0.10', impairment: { delayMs: 20, jitterMs: 5, lossPercent: 50, rate: { text: '1mbit', bitsPerSecond: 1e6 } } },
    ]);
    expect(hostImpairments(scenario, 'b')).toEqual([
      { network: 'lan', ip: '10.0.0.1', impairment: { lossPercent: 10, rate: { text: '1mbit', bitsPerSecond: 1e6 } } },
    ]);
    expect(netemOnlyUses(scenario)).toEqual([
      ['hosts', 'a', 'impair', 'lan', 'delay'],
      ['hosts', 'a', 'impair', 'lan', 'jitter'],
    ]);
  });

  it('makes a delay with netem only, a rate alone with netem or else tbf, and loss on arrival (incoming and forwarded)', () => {
    const delayed = impairmentScript('eth0', { delayMs: 20, jitterMs: 5, lossPercent: 50, rate: { text: '1mbit', bitsPerSecond: 1e6 } }).join('\n');
    expect(delayed).toContain('tc qdisc replace dev "$impaired" root netem delay 20ms 5ms rate 1mbit || {');
    expect(delayed).not.toContain('tbf');
    const rated = impairmentScript('eth1', { rate: { text: '100mbit', bitsPerSecond: 1e8 }, lossPercent: 10 }).join('\n');
    expect(rated).toContain(
      'tc qdisc replace dev "$impaired" root netem rate 100mbit 2>/dev/null || tc qdisc replace dev "$impaired" root tbf rate 100mbit burst 125000 latency 400ms',
    );
    expect(rated).toContain('iptables -A INPUT -i "$impaired" -m statistic --mode random --probability 0.100000 -j DROP');
    expect(rated).toContain('iptables -A FORWARD -i "$impaired" -m statistic --mode random --probability 0.100000 -j DROP');
    // Nothing ever drops on the way out: a send would fail with EPERM.
    expect(rated).not.toMatch(/OUTPUT|POSTROUTING/);
    expect(impairmentScript('eth0', { lossPercent: 0 })).toEqual(['impaired=eth0']);
  });
});

describe('masquerade behaviours in the setup script', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('chooses public ports as asked, drops unsolicited UDP to the public address, and watches mappings for a full cone', () => {
    const preserving = masqueradeScript({ out: 'internet' }, '203.0.113.1', 'eth1').join('\n');
    expect(preserving).toContain('iptables -t nat -A POSTROUTING -o "$nat_out" -j MASQUERADE\n');
    expect(preserving).toContain('iptables -A INPUT -i "$nat_out" -d 203.0.113.1 -p udp -m conntrack --ctstate NEW -j DROP');
    expect(preserving).not.toContain('full-cone');
    expect(masqueradeScript({ out: 'internet', behaviour: 'random', source: '10.0.0.0/24' }, '203.0.113.1', 'eth1').join('\n')).toContain(
      '-o "$nat_out" -s 10.0.0.0/24 -j MASQUERADE --random\n',
    );
    expect(masqueradeScript({ out: 'internet', behaviour: 'symmetric' }, '203.0.113.1', 'eth1').join('\n')).toContain('-j MASQUERADE --random-fully\n');
    const cone = masqueradeScript({ out: 'internet', full_cone: true }, '203.0.113.1', 'eth1').join('\n');
    expect(cone).toContain("cat > /lab/bin/full-cone <<'SOCKLAB_FULL_CONE'");
    expect(cone).toContain('setsid sh /lab/bin/full-cone "$nat_out" 203.0.113.1 </dev/null >/dev/null 2>&1 &');
  });

  it("the full cone's watcher turns conntrack's event for a masqueraded flow into one port forward", () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-cone-'));
    dirs.push(dir);
    const event =
      '[NEW] udp      17 30 src=192.168.7.10 dst=203.0.113.100 sport=40000 dport=3478 [UNREPLIED] src=203.0.113.100 dst=203.0.113.7 sport=3478 dport=40001';
    const inbound =
      '[NEW] udp      17 30 src=203.0.113.50 dst=203.0.113.7 sport=5000 dport=40000 [UNREPLIED] src=203.0.113.7 dst=203.0.113.50 sport=40000 dport=5000';
    // Stand-ins: conntrack prints the events, iptables -C finds nothing, iptables -A is logged.
    writeFileSync(join(dir, 'conntrack'), `#!/bin/sh\nprintf '%s\\n' '${event}' '${inbound}' '${event}'\n`, { mode: 0o755 });
    writeFileSync(
      join(dir, 'iptables'),
      `#!/bin/sh\necho "$*" >> ${dir}/log\ncase "$*" in *' -C '*) grep -q -- "-A \${*#*-C }" ${dir}/log 2>/dev/null && exit 0; exit 1;; esac\n`,
      {
        mode: 0o755,
      },
    );
    const script = masqueradeScript({ out: 'internet', full_cone: true }, '203.0.113.7', 'eth1').join('\n');
    const watcher = /<<'SOCKLAB_FULL_CONE'\n([\s\S]*?)SOCKLAB_FULL_CONE/.exec(script)![1]!;
    writeFileSync(join(dir, 'full-cone'), watcher);
    // The shell finds nothing but the stand-ins and grep: never the engine host's own iptables.
    symlinkSync(execFileSync('sh', ['-c', 'command -v grep'], { encoding: 'utf8' }).trim(), join(dir, 'grep'));
    execFileSync('/bin/sh', [join(dir, 'full-cone'), 'eth1', '203.0.113.7'], { env: { PATH: dir } });
    const added = readFileSync(join(dir, 'log'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('-t nat -A'));
    expect(added).toEqual(['-t nat -A PREROUTING -i eth1 -d 203.0.113.7 -p udp --dport 40001 -j DNAT --to-destination 192.168.7.10:40000']);
  });
});

describe('lossy networks', () => {
  it('have every host on them send wire-sized packets, so each is lost on its own', async () => {
    const loaded = await loadScenario('scenarios/tcp-vs-udp-loss.yaml');
    expect(lossyNetworks(loaded.scenario)).toEqual(new Set(['lan']));
    const plan = planLab(loaded.scenario, { runId: 'abc123', image: 'img' });
    for (const host of plan.hosts) expect(host.setupScript).toContain('ip link set dev $(ip -o -4 addr show to ');
    for (const host of plan.hosts) expect(host.setupScript).toMatch(/\) gso_max_size 1500\n/);
    const clean = planLab((await loadScenario('scenarios/tcp-hello.yaml')).scenario, { runId: 'abc123', image: 'img' });
    for (const host of clean.hosts) expect(host.setupScript).not.toContain('gso_max_size');
  });
});
