// Programs in a host: the listing that `status` reads, how a program's end is told (code,
// signal, memory limit), the `tail -v` output that `logs` turns into prefixed lines, and the
// hosts table of `up` and `status`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LIST_PROGRAMS_SCRIPT, RUN_DIR_IN_HOST, describeEnd, parseEnd, parsePrograms, programState, signalGroupScript } from '../../src/in-host/contract.js';
import { HostProcesses } from '../../src/in-host/in-host.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import type { ContainerSpec } from '../../src/runtime/runtime.js';
import { TailParser, logsCommand, type LogStream } from '../../src/in-host/logs.js';
import { formatLabs } from '../../src/cli/lab-table.js';
import type { LabStatus } from '../../src/lab/labs.js';

describe('parsePrograms', () => {
  it('reads id, pid, state, how it ended and the command (which may hold tabs)', () => {
    const text = [
      'srv\t23\trunning\t\tnode /lab/programs/chat-server.js --port 12345',
      'cli\t31\texited\t0 0 0\tnode /lab/programs/chat-client.js',
      'bad\t\texited\t\tsh -c exit\t3',
      '',
    ].join('\n');
    expect(parsePrograms(text)).toEqual([
      { id: 'bad', running: false, command: 'sh -c exit\t3' },
      { id: 'cli', pid: 31, running: false, end: { code: 0 }, command: 'node /lab/programs/chat-client.js' },
      { id: 'srv', pid: 23, running: true, command: 'node /lab/programs/chat-server.js --port 12345' },
    ]);
    expect(parsePrograms('')).toEqual([]);
  });

  it('says how each stands in a few words', () => {
    const [bad, cli, srv] = parsePrograms('srv\t23\trunning\t\tx\ncli\t31\texited\t1 0 0\tx\nbad\t\texited\t\tx\n');
    expect([srv, cli, bad].map((program) => programState(program!))).toEqual(['running, pid 23', 'exited 1', 'gone']);
  });

  it('tells a signal from an exit, and the memory limit from other killers', () => {
    expect(parseEnd('0 0 0')).toEqual({ code: 0 });
    expect(parseEnd('143 0 0')).toEqual({ code: 143, signal: 'SIGTERM' });
    // SIGKILL while the host's out-of-memory kill count went up: the memory limit did it.
    expect(parseEnd('137 2 3')).toEqual({ code: 137, signal: 'SIGKILL', outOfMemory: true });
    expect(parseEnd('137 3 3')).toEqual({ code: 137, signal: 'SIGKILL' });
    expect(parseEnd('7')).toEqual({ code: 7 });
    expect(parseEnd('')).toBeUndefined();
    expect(describeEnd({ code: 137, signal: 'SIGKILL', outOfMemory: true }, 512 * 1024 * 1024)).toBe('killed: out of memory, limit 512 MB');
    expect(describeEnd({ code: 143, signal: 'SIGTERM' })).toBe('killed by SIGTERM');
    expect(describeEnd({ code: 2 })).toBe('exited 2');
  });

  it('matches what the listing script prints for real program files', async () => {
    // The script runs in the host; here it runs on this machine against a copy of the
    // files it reads, with the directory swapped: a program alive (this test's own pid),
    // one that exited, one whose pid is gone without an exit file.
    const dir = await mkdtemp(join(tmpdir(), 'socklab-run-'));
    try {
      await writeFile(join(dir, 'alive.cmd'), 'node alive.js --port 1\n');
      await writeFile(join(dir, 'alive.pid'), `${process.pid}\n`);
      await writeFile(join(dir, 'done.cmd'), 'node done.js\n');
      await writeFile(join(dir, 'done.pid'), '999999\n');
      await writeFile(join(dir, 'done.exit'), '2 0 0\n');
      await writeFile(join(dir, 'lost.cmd'), 'node lost.js\n');
      await writeFile(join(dir, 'lost.pid'), '999998\n');
      await writeFile(join(dir, 'tool.pid'), '5\n'); // a pid file with no .cmd is not a program
      const script = LIST_PROGRAMS_SCRIPT.replace(`cd ${RUN_DIR_IN_HOST}`, `cd ${dir}`);
      const { stdout } = await promisify(execFile)('sh', ['-c', script]);
      expect(parsePrograms(stdout)).toEqual([
        { id: 'alive', pid: process.pid, running: true, command: 'node alive.js --port 1' },
        { id: 'done', pid: 999999, running: false, end: { code: 2 }, command: 'node done.js' },
        { id: 'lost', pid: 999998, running: false, command: 'node lost.js' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('logs', () => {
  it('tails both files of each program, with headings', () => {
    expect(logsCommand(['a', 'b'], false)).toEqual(['tail', '-v', '-n', '+1', '/lab/run/a.out', '/lab/run/a.err', '/lab/run/b.out', '/lab/run/b.err']);
    expect(logsCommand(['a'], true)).toEqual(['tail', '-v', '-n', '+1', '-F', '/lab/run/a.out', '/lab/run/a.err']);
  });

  it("turns tail's headed output into program lines, across chunk boundaries, keeping the programs' own blank lines", () => {
    const lines: { id: string; stream: LogStream; line: string }[] = [];
    const parser = new TailParser((id, stream, bytes, start, end) => lines.push({ id, stream, line: bytes.toString('utf8', start, end) }));
    const output = [
      '==> /lab/run/srv.out <==',
      'listening on 0.0.0.0:12345 (tcp)',
      '',
      'join 10.0.0.20:4000',
      '',
      '',
      '==> /lab/run/srv.err <==',
      'warning: slow',
      '',
      '==> /lab/run/srv.out <==',
      'leave 10.0.0.20:4000',
    ].join('\n');
    // Split at awkward places, as a stream would.
    for (const chunk of [output.slice(0, 7), output.slice(7, 60), output.slice(60, 61), output.slice(61)]) parser.push(chunk);
    parser.flush();
    expect(lines).toEqual([
      { id: 'srv', stream: 'stdout', line: 'listening on 0.0.0.0:12345 (tcp)' },
      { id: 'srv', stream: 'stdout', line: '' },
      { id: 'srv', stream: 'stdout', line: 'join 10.0.0.20:4000' },
      { id: 'srv', stream: 'stdout', line: '' },
      { id: 'srv', stream: 'stderr', line: 'warning: slow' },
      { id: 'srv', stream: 'stdout', line: 'leave 10.0.0.20:4000' },
    ]);
  });
});

describe('the hosts table', () => {
  const lab: LabStatus = {
    runId: 'abc123',
    name: 'nat',
    scenario: 'nat',
    owner: 'dead',
    kept: true,
    scenarioFile: 'scenarios/nat.yaml',
    networks: [
      { name: 'lan', engineName: 'sl-nat-lan-abc123', subnet: '10.0.1.0/24', transitSubnet: '198.18.0.0/29' },
      { name: 'wan', engineName: 'sl-nat-wan-abc123', subnet: '10.0.2.0/24', transitSubnet: '198.18.0.8/29' },
    ],
    hosts: [
      { name: 'router', role: 'router', container: 'c1', state: 'running', image: 'i', ips: { lan: '10.0.1.1', wan: '10.0.2.1' }, programs: [] },
      {
        name: 'server',
        role: 'host',
        container: 'c2',
        state: 'running',
        image: 'i',
        ips: { wan: '10.0.2.10' },
        programs: [{ id: 'srv', pid: 23, running: true, command: `node /lab/programs/chat-server.js --port 12345 ${'--verbose '.repeat(6)}` }],
      },
    ],
  };

  it('shows each host with its role, networks and addresses, state and programs', () => {
    expect(formatLabs([lab])).toBe(
      [
        'nat  run abc123  scenarios/nat.yaml',
        '  networks: lan 10.0.1.0/24, wan 10.0.2.0/24',
        '┌────────┬────────┬───────────────┬─────────┬────────────────────────────────────────────────────────────────┐',
        '│ host   │ role   │ networks      │ state   │ programs                                                       │',
        '├────────┼────────┼───────────────┼─────────┼────────────────────────────────────────────────────────────────┤',
        '│ router │ router │ lan 10.0.1.1  │ running │ -                                                              │',
        '│        │        │ wan 10.0.2.1  │         │                                                                │',
        '├────────┼────────┼───────────────┼─────────┼────────────────────────────────────────────────────────────────┤',
        '│ server │ host   │ wan 10.0.2.10 │ running │ srv: running, pid 23                                           │',
        '│        │        │               │         │   node /lab/programs/chat-server.js --port 12345 --verbose --… │',
        '└────────┴────────┴───────────────┴─────────┴────────────────────────────────────────────────────────────────┘',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing is up, and when a run has no host', () => {
    expect(formatLabs([])).toBe('no lab is up. Start one with: socklab up SCENARIO.yaml\n');
    expect(formatLabs([{ ...lab, hosts: [] }])).toMatch(/no hosts: it is being created or was left behind \(socklab down abc123 removes it\)/);
  });
});

describe('signalling a program', () => {
  const run = (script: string) =>
    promisify(execFile)('sh', ['-c', script]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );

  it('reaches its whole process group, says nothing is left to do when it has ended, and fails when it cannot look', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'socklab-signal-'));
    try {
      // A group of two sleeps, led by a shell, as the launcher makes one.
      const { spawn } = await import('node:child_process');
      const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
      await writeFile(join(dir, 'prog.pid'), `${leader.pid}\n`);
      const script = (id: string, root = '') => signalGroupScript(id, 'KILL', root).replaceAll(RUN_DIR_IN_HOST, dir);
      const ended = new Promise((resolve) => leader.on('exit', resolve));
      expect(await run(script('prog'))).toBe(0);
      await ended;
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { stdout } = await promisify(execFile)('ps', ['-eo', 'pgid=,stat=']);
      const alive = stdout.split('\n').filter((line) => line.trim().split(/\s+/)[0] === String(leader.pid) && !line.includes('Z'));
      expect(alive).toEqual([]); // the sleeps went with their leader
      expect(await run(script('prog'))).toBe(0); // already gone: nothing to do
      expect(await run(script('never-started'))).toBe(0);
      expect(await run(script('prog', '/no/such/root'))).toBe(5); // the host's files out of sight
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('goes from outside the host when the host cannot run the kill (a fork storm at its pids limit)', async () => {
    const runtime = new FakeRuntime({ execAnswer: () => ({ exitCode: 125, stdout: '', stderr: 'timeout: fork system call failed' }) });
    await runtime.createContainer({ name: 'c', labels: {} } as ContainerSpec);
    await runtime.startContainer('c');
    const outside: string[] = [];
    const host = new HostProcesses(runtime, 'c', {
      host: 'victim',
      restricted: true,
      fromOutside: async (script) => (outside.push(script), { exitCode: 0, stderr: '' }),
    });
    await host.signal('storm', 'SIGKILL');
    expect(outside).toHaveLength(1);
    expect(outside[0]).toContain('/proc/1/root/lab/run/storm.pid');
    const stuck = new HostProcesses(runtime, 'c', { host: 'victim', restricted: true, fromOutside: async () => ({ exitCode: 5, stderr: '' }) });
    await expect(stuck.signal('storm', 'SIGKILL')).rejects.toThrow(
      "sending SIGKILL to 'storm' on host 'victim' failed (exit 125: timeout: fork system call failed)",
    );
  });
});
