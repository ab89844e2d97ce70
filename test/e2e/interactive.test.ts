// A lab kept up and explored from other processes, through the real CLI and the
// real engine: up -> status --json -> exec netstat while a client is connected -> logs ->
// down -> nothing left. Every command is a separate `socklab` process, so everything they
// find comes from the engine's labels, as it would from another terminal.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { listLabs } from '../../src/lab/labs.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { parseNetstat } from '../../src/observe/netstat.js';
import { parseConntrack } from '../../src/observe/conntrack.js';
import { findLeftovers, runCli, startCli } from './helpers.js';

const runtime = new DockerRuntime();
const CHAT = 'test/e2e/scenarios/i6-chat.yaml';
const NAT = 'test/e2e/scenarios/i6-nat.yaml';
const MINE = ['i6-chat', 'i6-nat', 'i6-slow', 'i6-broken'];

interface StatusJson {
  labs: {
    runId: string;
    scenario: string;
    networks: { name: string; subnet: string }[];
    hosts: {
      name: string;
      role: string;
      state: string;
      ips: Record<string, string>;
      programs: { id: string; running: boolean; pid?: number; command: string }[];
    }[];
  }[];
}

const upRunId = (stdout: string, scenario: string) => new RegExp(`lab ${scenario} is up \\(run ([0-9a-f]{6})`).exec(stdout)?.[1];

async function statusJson(): Promise<StatusJson> {
  const { code, stdout, stderr } = await runCli(['status', '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as StatusJson;
}

// A failing test must not leave its labs behind (the suite's teardown would then fail too).
afterAll(async () => {
  for (const lab of await listLabs(runtime)) {
    if (MINE.includes(lab.scenario)) await teardownRun(runtime, labImageRef(), lab.runId);
  }
});

describe('a lab kept up with socklab up, explored, taken down', () => {
  it('up -> status --json -> exec netstat sees the ESTABLISHED connection -> logs -> down -> nothing left', async () => {
    const started = performance.now();
    const up = await runCli(['up', CHAT]);
    const upSeconds = (performance.now() - started) / 1000;
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const runId = upRunId(up.stdout, 'i6-chat');
    expect(runId, up.stdout).toBeDefined();
    // The hosts table: name, role, network with address, state.
    expect(up.stdout).toMatch(/│ server\s+│ host\s+│ lan 10\.93\.1\.10\s+│ running\s+│ chat-server: running/);
    expect(up.stdout).toMatch(/│ client\s+│ host\s+│ lan 10\.93\.1\.20\s+│ running\s+│ chat-client: running/);
    // Only start steps ran: the scenario's `run` step (tcp-hello-client) did not.
    expect(up.stdout).not.toMatch(/tcp-hello-client/);
    const clientPort = Number(/client \| connected as 10\.93\.1\.20:(\d+)/.exec(up.stdout)?.[1]);
    expect(clientPort).toBeGreaterThan(1023);

    // `up` has exited; the lab is still there, found from another process.
    const status = await statusJson();
    const lab = status.labs.find((candidate) => candidate.runId === runId);
    expect(lab).toBeDefined();
    expect(lab!.scenario).toBe('i6-chat');
    expect(lab!.networks).toEqual([expect.objectContaining({ name: 'lan', subnet: '10.93.1.0/24' })]);
    expect(lab!.hosts.map((host) => [host.name, host.role, host.state, host.ips])).toEqual([
      ['client', 'host', 'running', { lan: '10.93.1.20' }],
      ['server', 'host', 'running', { lan: '10.93.1.10' }],
    ]);
    const server = lab!.hosts.find((host) => host.name === 'server')!;
    expect(server.programs).toEqual([expect.objectContaining({ id: 'chat-server', running: true, command: 'node /lab/programs/chat-server.js --port 12345' })]);
    expect(server.programs[0]!.pid).toBeGreaterThan(1);
    expect(lab!.hosts.find((host) => host.name === 'client')!.programs).toEqual([expect.objectContaining({ id: 'chat-client', running: true })]);

    // netstat in the server while the client is connected: both ends of the connection.
    const netstat = await runCli(['exec', 'server', '--', 'netstat', '-tan']);
    expect(netstat.code, netstat.stderr).toBe(0);
    const sockets = parseNetstat(netstat.stdout);
    expect(sockets).toContainEqual(
      expect.objectContaining({ state: 'ESTABLISHED', local: { ip: '10.93.1.10', port: 12345 }, remote: { ip: '10.93.1.20', port: clientPort } }),
    );
    expect(sockets).toContainEqual(expect.objectContaining({ state: 'LISTEN', local: expect.objectContaining({ port: 12345 }) }));
    // The shortcut shows the same connection from the client's side, with the owning process.
    const clientSide = await runCli(['netstat', 'i6-chat/client']);
    expect(clientSide.code).toBe(0);
    expect(clientSide.stdout).toMatch(new RegExp(`10\\.93\\.1\\.20:${clientPort}\\s+10\\.93\\.1\\.10:12345\\s+ESTABLISHED\\s+\\d+/node`));

    // exec returns the command's exit code and keeps stdout and stderr apart.
    const failing = await runCli(['exec', 'i6-chat/server', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 7']);
    expect([failing.code, failing.stdout, failing.stderr]).toEqual([7, 'to-stdout\n', 'to-stderr\n']);

    // Another client started by hand, as a student would.
    const byHand = await runCli([
      'exec',
      'i6-chat/client',
      '--',
      'node',
      '/lab/programs/chat-client.js',
      '--host',
      '10.93.1.10',
      '--port',
      '12345',
      '--line',
      'typed by hand',
      '--linger',
      '200',
    ]);
    expect(byHand.code, byHand.stderr).toBe(0);
    const handPort = /connected as 10\.93\.1\.20:(\d+)/.exec(byHand.stdout)?.[1];
    expect(handPort, byHand.stdout).toBeDefined();

    // logs: everything the server program printed, each line prefixed with its id.
    const logs = await runCli(['logs', 'i6-chat/server']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^chat-server \| listening on 0\.0\.0\.0:12345 \(tcp\)$/m);
    expect(logs.stdout).toMatch(new RegExp(`^chat-server \\| join 10\\.93\\.1\\.20:${clientPort}$`, 'm'));
    expect(logs.stdout).toMatch(new RegExp(`^chat-server \\| 10\\.93\\.1\\.20:${handPort} says: typed by hand$`, 'm'));
    // The relayed line reached the long-lived client: its log shows it.
    const clientLogs = await runCli(['logs', 'i6-chat/client']);
    expect(clientLogs.stdout).toMatch(new RegExp(`^chat-client \\| got: \\[10\\.93\\.1\\.20:${handPort}\\] typed by hand$`, 'm'));

    // ps in the host: the program, and no stray `tail` left by up's output following.
    const ps = await runCli(['ps', 'i6-chat/server']);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/node \/lab\/programs\/chat-server\.js --port 12345/);
    expect(ps.stdout).not.toMatch(/tail /);

    const downStarted = performance.now();
    const down = await runCli(['down', 'i6-chat']);
    const downSeconds = (performance.now() - downStarted) / 1000;
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(new RegExp(`removed lab i6-chat \\(run ${runId}\\): 2 container\\(s\\), 1 network\\(s\\)`));
    process.stderr.write(`i6-chat: up ${upSeconds.toFixed(1)} s (CLI process), down ${downSeconds.toFixed(1)} s\n`);

    expect((await statusJson()).labs.filter((candidate) => candidate.scenario === 'i6-chat')).toEqual([]);
    const gone = await runCli(['status', 'i6-chat']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no lab 'i6-chat' is up/);
    const execGone = await runCli(['exec', 'i6-chat/server', '--', 'true']);
    expect(execGone.code).toBe(2);
    expect(execGone.stderr).toMatch(/no lab 'i6-chat' is up/);
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });

  it('two labs: LAB/HOST when a name is ambiguous, conntrack on the NAT router, logs -f, capture, refusal and --replace', async () => {
    const chat = await runCli(['up', CHAT]);
    expect(chat.code, chat.stderr + chat.stdout).toBe(0);
    const nat = await runCli(['up', NAT]);
    expect(nat.code, nat.stderr + nat.stdout).toBe(0);
    const chatRun = upRunId(chat.stdout, 'i6-chat')!;
    const natRun = upRunId(nat.stdout, 'i6-nat')!;
    expect(nat.stdout).toMatch(/│ router\s+│ router\s+│ lan 10\.93\.2\.1\s+│ running/);
    expect(nat.stdout).toMatch(/│\s+│\s+│ wan 10\.93\.3\.1\s+│/);

    // `server` is in both labs: the CLI says which names would do.
    const ambiguous = await runCli(['exec', 'server', '--', 'hostname']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/host 'server' is in 2 labs; say which: .*i6-chat\/server/);
    expect(ambiguous.stderr).toMatch(/i6-nat\/server/);
    const unknown = await runCli(['exec', 'i6-nat/nosuch', '--', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no host 'nosuch' in lab 'i6-nat'\. Hosts: .*router.*server/);
    const qualified = await runCli(['exec', 'i6-nat/server', '--', 'hostname']);
    expect([qualified.code, qualified.stdout]).toEqual([0, 'server\n']);
    const byRunId = await runCli(['exec', `${natRun}/router`, '--', 'hostname']);
    expect(byRunId.stdout).toBe('router\n');

    // The router's conntrack: the client's connection, and the address it was translated to.
    const conntrack = await runCli(['conntrack', 'i6-nat/router']);
    expect(conntrack.code, conntrack.stderr).toBe(0);
    const flow = parseConntrack(conntrack.stdout).find((candidate) => candidate.original.dst.port === 12345);
    expect(flow, conntrack.stdout).toBeDefined();
    expect(flow!.original.src.ip).toBe('10.93.2.10');
    expect(flow!.original.dst.ip).toBe('10.93.3.10');
    expect(flow!.sourceNat).toBe(true);
    expect(flow!.srcAfter.ip).toBe('10.93.3.1');
    // ...and the server sees the router's address, not the client's.
    const serverSide = parseNetstat((await runCli(['netstat', 'i6-nat/server'])).stdout);
    expect(serverSide).toContainEqual(expect.objectContaining({ state: 'ESTABLISHED', remote: { ip: '10.93.3.1', port: flow!.srcAfter.port } }));

    // logs -f follows new output until Ctrl+C, which ends it with 0.
    const follow = startCli(['logs', '-f', 'i6-nat/server']);
    await follow.waitFor(/chat-server \| 10\.93\.3\.1:\d+ says: hello through NAT/);
    // Meanwhile a capture on the router's outside interface sees the next client, translated.
    const captureDir = await mkdtemp(join(tmpdir(), 'socklab-capture-'));
    const capture = startCli(['capture', 'i6-nat/router', '--network', 'wan', '--seconds', '4', '--out', captureDir]);
    await capture.waitFor(/capturing on router \(network wan\) for 4 s/);
    const second = await runCli([
      'exec',
      'i6-nat/client',
      '--',
      'node',
      '/lab/programs/chat-client.js',
      '--host',
      '10.93.3.10',
      '--line',
      'followed live',
      '--linger',
      '100',
    ]);
    expect(second.code, second.stderr).toBe(0);
    await follow.waitFor(/chat-server \| 10\.93\.3\.1:\d+ says: followed live/);
    follow.kill('SIGINT');
    const followed = await follow.result;
    expect(followed.code, followed.stderr).toBe(0);
    const captured = await capture.result;
    expect(captured.code, captured.stderr).toBe(0);
    // The interface captured, then which interface is on which network.
    expect(captured.stdout).toMatch(/capture on router \(eth\d; eth\d = (lan|wan) [\d.]+, eth\d = (lan|wan) [\d.]+\): \d+ packet\(s\)/);
    expect(captured.stdout).toMatch(/IP 10\.93\.3\.1\.\d+ > 10\.93\.3\.10\.12345: Flags \[S\]/);
    expect(captured.stdout).not.toMatch(/10\.93\.2\.10/); // outside the router, the client's address never appears
    const pcapPath = /^pcap: (.+\.pcap)$/m.exec(captured.stdout)?.[1];
    expect(pcapPath).toBeDefined();
    const pcap = await readFile(pcapPath!);
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4); // the pcap file magic: a real capture file
    expect(pcapPath!.startsWith(captureDir)).toBe(true);
    await rm(captureDir, { recursive: true, force: true });

    // status --watch redraws in place (cursor home, no scrolling) until Ctrl+C, which ends it with 0.
    const watch = startCli(['status', '--watch', '--interval', '0.5']);
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what is looked for
    await watch.waitFor(/(\x1b\[H[^]*){3}/, 20_000);
    watch.kill('SIGINT');
    const watched = await watch.result;
    expect(watched.code, watched.stderr).toBe(0);
    const frames = watched.stdout.split('\x1b[H').slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames[0]).toMatch(/socklab status, every 0\.5 s \(Ctrl\+C to stop\)/);
    for (const frame of frames) {
      if (!frame.includes('\x1b[J')) continue; // the frame being written when Ctrl+C came
      expect(frame).toMatch(new RegExp(`i6-chat  run ${chatRun}`));
      expect(frame).toMatch(/│ router\s+│ router\s+│ lan 10\.93\.2\.1/);
    }

    // The same scenario twice is refused, with the way out named; --replace swaps it.
    const again = await runCli(['up', NAT]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`already up: i6-nat \\(run ${natRun}\\).*socklab up --replace`));
    const replaced = await runCli(['up', '--replace', NAT]);
    expect(replaced.code, replaced.stderr + replaced.stdout).toBe(0);
    const newRun = upRunId(replaced.stdout, 'i6-nat')!;
    expect(newRun).not.toBe(natRun);
    expect(replaced.stdout).toMatch(new RegExp(`replaced run ${natRun} of 'i6-nat'`));
    expect(await findLeftovers(runtime, natRun)).toEqual([]);

    // down with no name refuses while several labs are up; by name each goes.
    const bare = await runCli(['down']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/labs are up: .*i6-chat.*Name them .* or remove all \(socklab down --all\)/);
    expect((await runCli(['down', 'i6-chat'])).code).toBe(0);
    const downNat = await runCli(['down', newRun]);
    expect(downNat.stdout).toMatch(/removed lab i6-nat .*3 container\(s\), 2 network\(s\), 14 host rule\(s\)/);
    for (const run of [chatRun, newRun]) expect(await findLeftovers(runtime, run)).toEqual([]);
  });

  it('Ctrl+C during up removes what it made; a setup program that dies fails up, naming the host', async () => {
    const slow = startCli(['up', 'test/e2e/scenarios/i6-slow.yaml']);
    let finished = false;
    void slow.result.then(() => (finished = true));
    await slow.waitFor(/▶ setup 1 start on server/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(finished).toBe(false); // still waiting for readiness: the test really interrupts it
    expect((await listLabs(runtime)).some((lab) => lab.scenario === 'i6-slow')).toBe(true);
    slow.kill('SIGINT');
    const interrupted = await slow.result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toMatch(/SIGINT received: removing what was made/);
    const slowRun = /\(run ([0-9a-f]{6})\)/.exec(interrupted.stdout)?.[1];
    expect(slowRun).toBeDefined();
    expect(await findLeftovers(runtime, slowRun)).toEqual([]);

    const broken = await runCli(['up', 'test/e2e/scenarios/i6-broken.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/setup 1 on host 'server': the program ended \(exited 3\) before output "listening".*cannot bind/);
    const brokenRun = /\(run ([0-9a-f]{6})\)/.exec(broken.stdout)?.[1];
    expect(await findLeftovers(runtime, brokenRun)).toEqual([]);
  });
});
