// Nothing leaves a lab and nothing in it reaches the engine host, even when a program is
// hostile: a router (which keeps NET_ADMIN and NET_RAW) routing to the host's own address,
// IPv6 on the lab bridges, programs on other hosts (which lose those privileges), and a
// scenario whose files or TypeScript imports point out of its folder.
//
// Traffic here goes only to lab hosts and to listeners this test opens on the engine host's
// docker0 address; the one packet sent with a protection removed (the control that shows the
// attack is real) is a UDP datagram, which the host does not answer.
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { loadScenario } from '../../src/scenario/load.js';
import { Lab } from '../../src/lab/lab.js';
import { newRunId, planLab, type LabPlan } from '../../src/lab/plan.js';
import { transitGateway } from '../../src/lab/addressing.js';
import { contains } from '../../src/util/ipv4.js';
import { sleep } from '../../src/util/abort.js';
import { findLeftovers, ROOT, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();
const image = labImageRef();
let lab: Lab;
let plan: LabPlan;
let tcp: Server;
let udp: Socket;
let accepted = 0;
const datagrams: string[] = [];
let hostAddress: string;
let tcpPort: number;
let udpPort: number;

/** Runs a shell snippet in a lab host as a user program would run (asUser) or as socklab does. */
async function inHost(host: string, script: string, asUser = true) {
  return lab.inHost(host).command(script, { asUser, timeoutMs: 15_000 });
}

/** Host rules through a helper on the engine's host network, as socklab sets them. */
async function hostRule(args: string): Promise<void> {
  const result = await runtime.runHelper({
    image,
    command: ['sh', '-c', args],
    labels: { [LABEL.run]: lab.runId, [LABEL.helper]: 'test' },
    hostNetwork: true,
    capAdd: ['NET_ADMIN'],
  });
  expect(result.exitCode, result.stderr).toBe(0);
}

const ifaceOf = (ip: string) => `$(ip -o -4 addr show to ${ip} | awk '{print $2}' | cut -d@ -f1)`;

beforeAll(async () => {
  // os.networkInterfaces() leaves out interfaces that are down, as docker0 is with no
  // container on it; `ip` lists it.
  const docker0 = /inet (\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }));
  if (!docker0) throw new Error('the engine host has no docker0 IPv4 address; this test needs one');
  hostAddress = docker0[1]!;
  tcp = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tcp.listen(0, hostAddress, resolve));
  tcpPort = (tcp.address() as { port: number }).port;
  udp = createSocket('udp4');
  udp.on('message', (message) => datagrams.push(message.toString()));
  await new Promise<void>((resolve) => udp.bind(0, hostAddress, resolve));
  udpPort = udp.address().port;

  const loaded = await loadScenario(join(ROOT, 'test/e2e/scenarios/isolation.yaml'));
  plan = planLab(loaded.scenario, { runId: newRunId(), image, scenarioDir: loaded.dir });
  lab = await Lab.up(runtime, loaded, plan, image, { log: () => undefined });
});

afterAll(async () => {
  await lab?.teardown();
  tcp?.close();
  udp?.close();
  if (lab) expect(await findLeftovers(runtime, lab.runId)).toEqual([]);
});

describe('the engine host is out of reach', () => {
  it('the host listeners work from the host itself (the probes are real)', async () => {
    const { connect } = await import('node:net');
    await new Promise<void>((resolve, reject) => connect(tcpPort, hostAddress).on('connect', resolve).on('error', reject));
    await sleep(100);
    expect(accepted).toBe(1);
  });

  it("no lab host reaches a listener on the engine host, nor its bridges' transit gateways", async () => {
    const bridges = (await runtime.listNetworks()).filter((network) => network.labels[LABEL.run] === plan.runId);
    expect(bridges).toHaveLength(plan.networks.length);
    const gateways = bridges.map((network) => transitGateway(network.subnets[0]!));
    for (const host of plan.hosts) {
      const targets = [hostAddress, ...gateways];
      for (const target of targets) {
        const probe = await inHost(host.name, `nc -z -w 2 ${target} ${tcpPort}; echo "exit=$?"`);
        expect(`${host.name} -> ${target}: ${probe.stdout.trim()}`).toBe(`${host.name} -> ${target}: exit=1`);
      }
    }
    expect(accepted).toBe(1); // only the test's own connection above
  });

  it("a router that routes to the engine host's own address gets nothing through, TCP or UDP; without the INPUT rule it would", async () => {
    const router = plan.hosts.find((host) => host.role === 'router')!;
    const onLab = router.ips.outside!;
    const route = await inHost(router.name, `ip route add ${hostAddress}/32 dev ${ifaceOf(onLab)} && echo routed`);
    expect(route.stdout.trim(), route.stderr).toBe('routed'); // routers keep NET_ADMIN
    const attack = `nc -z -w 2 ${hostAddress} ${tcpPort}; echo "tcp=$?"; echo escaped | nc -u -w 1 ${hostAddress} ${udpPort}; echo sent`;
    try {
      const blocked = await inHost(router.name, attack);
      expect(blocked.stdout).toContain('tcp=1');
      await sleep(500);
      expect({ accepted, datagrams }).toEqual({ accepted: 1, datagrams: [] });

      // The control: the same datagram with socklab's INPUT rule for this bridge taken away.
      const bridge = plan.networks.find((network) => network.name === 'outside')!.spec.bridgeName;
      await hostRule(`iptables -D INPUT -i ${bridge} -j DROP`);
      try {
        await inHost(router.name, `echo control | nc -u -w 1 ${hostAddress} ${udpPort}; true`);
        await sleep(500);
        expect(datagrams).toEqual(['control\n']);
      } finally {
        await hostRule(`iptables -I INPUT -i ${bridge} -j DROP`);
      }
    } finally {
      await inHost(router.name, `ip route del ${hostAddress}/32`);
    }
  });

  it('hand-made IPv6 frames to the bridge get no answer; with the bridge given its address and no rule they would', async () => {
    const router = plan.hosts.find((host) => host.role === 'router')!;
    const bridge = plan.networks.find((network) => network.name === 'outside')!.spec.bridgeName;
    for (const network of plan.networks) {
      expect(execFileSync('ip', ['-6', 'addr', 'show', 'dev', network.spec.bridgeName], { encoding: 'utf8' }).trim(), network.spec.bridgeName).toBe('');
      expect(execFileSync('ip6tables', ['-S', 'INPUT'], { encoding: 'utf8' })).toContain(`-A INPUT -i ${network.spec.bridgeName} -j DROP`);
    }
    // The address the bridge would have had (from its MAC), and a listener for it to answer on.
    const mac = readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
    const bytes = mac.split(':').map((byte) => parseInt(byte, 16));
    bytes[0]! ^= 0x02;
    const eui = [...bytes.slice(0, 3), 0xff, 0xfe, ...bytes.slice(3)];
    const linkLocal = `fe80::${[0, 2, 4, 6].map((i) => ((eui[i]! << 8) | eui[i + 1]!).toString(16)).join(':')}`;
    const v6 = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => v6.listen(0, '::', resolve));
    const port = (v6.address() as { port: number }).port;
    await lab.copyFiles(router.name, [
      {
        path: '/lab/files/ipv6-frames.py',
        source: join(ROOT, 'test/e2e/scenarios/files/ipv6-frames.py'),
        size: statSync(join(ROOT, 'test/e2e/scenarios/files/ipv6-frames.py')).size,
      },
    ]);
    const attack = `python3 /lab/files/ipv6-frames.py ${ifaceOf(router.ips.outside!)} ${mac} ${linkLocal} ${port}`;
    try {
      const blocked = await inHost(router.name, attack);
      expect(blocked.stdout.trim(), blocked.stderr).toBe('done');

      // The control: the bridge with its link-local address, and no IPv6 INPUT rule.
      await hostRule(`ip -6 addr add ${linkLocal}/64 dev ${bridge} && ip6tables -D INPUT -i ${bridge} -j DROP`);
      try {
        await sleep(2_500); // duplicate address detection
        const open = await inHost(router.name, attack);
        expect(open.stdout, open.stderr).toMatch(/echo-reply[\s\S]*syn-ack|syn-ack[\s\S]*echo-reply/);
      } finally {
        await hostRule(`ip -6 addr flush dev ${bridge}; ip6tables -I INPUT -i ${bridge} -j DROP`);
      }
    } finally {
      v6.close();
    }
  });

  it('every route in every host stays inside the lab', async () => {
    const subnets = plan.networks.map((network) => network.subnet);
    const routerIps = plan.hosts.filter((host) => host.role === 'router').flatMap((host) => Object.values(host.ips));
    for (const host of plan.hosts) {
      const routes = (await inHost(host.name, 'ip -4 route', false)).stdout.trim().split('\n');
      for (const route of routes) {
        const [destination] = route.split(' ');
        const via = / via (\S+)/.exec(route)?.[1];
        if (via) expect(routerIps, `${host.name}: ${route}`).toContain(via);
        else expect(subnets, `${host.name}: ${route}`).toContain(destination);
        if (destination === 'default') expect(subnets.some((subnet) => contains(subnet, via!))).toBe(true);
      }
      expect(
        routes.some((route) => route.startsWith('default')),
        `${host.name}: ${routes.join('; ')}`,
      ).toBe(host.name === 'pc');
    }
  });
});

describe('programs on hosts that are not routers', () => {
  it('cannot change routes or open raw sockets, and still ping', async () => {
    const route = await inHost('pc', `ip route add ${hostAddress}/32 dev eth0`);
    expect(route.exitCode).not.toBe(0);
    expect(route.stderr).toMatch(/Operation not permitted/);
    const raw = await inHost('pc', `python3 -c "import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)" 2>&1; echo "exit=$?"`);
    expect(raw.stdout).toMatch(/PermissionError[\s\S]*exit=1/);
    const ping = await inHost('pc', 'ping -c 1 -W 2 10.91.10.1');
    expect(ping.exitCode, ping.stdout + ping.stderr).toBe(0);
  });

  it("nor can a command run with socklab exec (a router's can)", async () => {
    const denied = await runCli(['exec', 'e2e-isolation/pc', '--', 'ip', 'route', 'add', '192.0.2.0/24', 'dev', 'eth0']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Operation not permitted/);
    const allowed = await runCli(['exec', 'e2e-isolation/gateway', '--', 'ip', 'route', 'add', '192.0.2.0/24', 'dev', 'lo']);
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});

describe("a scenario cannot read the engine host's files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-escape-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const scenario = (name: string, extra: string) =>
    `name: ${name}\nnetworks:\n  lan: { subnet: 10.91.20.0/24 }\nhosts:\n  a: { networks: { lan: 10.91.20.10 }${extra} }\n`;

  it('a file or program that links out of the scenario folder is refused before anything is made', async () => {
    const lesson = join(dir, 'links');
    mkdirSync(lesson);
    symlinkSync('/etc/hostname', join(lesson, 'hostname.txt'));
    symlinkSync('/etc/passwd', join(lesson, 'steal.py'));
    writeFileSync(join(lesson, 'lesson.yaml'), `${scenario('escape-links', ', files: [hostname.txt]')}steps:\n  - run: a\n    program: steal.py\n`);
    const { code, stderr, stdout } = await runCli(['run', join(lesson, 'lesson.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/lesson\.yaml:5:\d+: hosts\.a\.files\.0: file 'hostname\.txt' leads to \/etc\/hostname, outside the scenario's folder/);
    expect(stderr).toMatch(/lesson\.yaml:8:\d+: steps\.0\.program: program 'steal\.py' leads to \/etc\/passwd/);
    expect(stdout + stderr).not.toMatch(/root:x:0:0/);
    expect((await runtime.listContainers({ [LABEL.scenario]: 'escape-links' })).length).toBe(0);
  });

  it('a TypeScript program cannot import a file from outside the folder, directly or through a link', async () => {
    writeFileSync(join(dir, 'secret.ts'), "export const secret = 'THE-ENGINE-HOST-SECRET';\n");
    const lesson = join(dir, 'imports');
    mkdirSync(lesson);
    writeFileSync(join(lesson, 'direct.ts'), "import { secret } from '../secret.ts';\nconsole.log(secret);\n");
    symlinkSync(join(dir, 'secret.ts'), join(lesson, 'inside-looking.ts'));
    writeFileSync(join(lesson, 'linked.ts'), "import { secret } from './inside-looking.ts';\nconsole.log(secret);\n");
    for (const program of ['direct.ts', 'linked.ts']) {
      writeFileSync(join(lesson, 'lesson.yaml'), `${scenario('escape-import', '')}steps:\n  - run: a\n    program: ${program}\n`);
      const { code, stdout, stderr } = await runCli(['run', join(lesson, 'lesson.yaml')]);
      expect(code, stdout + stderr).toBe(1);
      expect(stdout + stderr).toMatch(/secret\.ts is outside the scenario's folder and socklab's programs; a program may only import files from there/);
      expect(stdout + stderr).not.toContain('THE-ENGINE-HOST-SECRET');
      expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
    }
  });
});
