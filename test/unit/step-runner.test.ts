// Step running, expectations and captures against a fake of the in-host API: what socklab
// does with output of any size, programs that never end, ignore signals or hit the memory
// limit, hosts that do not answer, and captures. The e2e tests show the same on the engine.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeInHost, type ScriptedProgram } from '../../src/in-host/fake-in-host.js';
import type { CommandOptions, CommandResult } from '../../src/in-host/in-host.js';
import type { LabAccess, LabHost } from '../../src/lab/lab.js';
import { ProgramLibrary } from '../../src/lab/programs.js';
import { RecordingReporter } from '../../src/lab/reporter.js';
import { StepError, StepRunner } from '../../src/lab/step-runner.js';
import { Capture } from '../../src/lab/capture.js';
import { crowd } from '../../src/util/crowd.js';
import { CONSOLE_MAX_LINES, SAVED_MAX_BYTES } from '../../src/lab/program-output.js';
import { buildScenario } from '../../src/scenario/model.js';
import type { StepValue } from '../../src/scenario/schema.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface FakeHostOptions {
  program?: (argv: string[]) => ScriptedProgram;
  command?: (script: string, options: CommandOptions) => Partial<CommandResult> | undefined;
}

function fakeLab(hosts: Record<string, FakeHostOptions>): { lab: LabAccess; inHost: Record<string, FakeInHost> } {
  const inHost = Object.fromEntries(Object.entries(hosts).map(([name, options]) => [name, new FakeInHost(name, options)]));
  const labHosts: LabHost[] = Object.keys(hosts).map((name, index) => ({
    name,
    container: `c-${name}`,
    role: 'host',
    ips: { lan: `10.0.0.${index + 10}` },
    memoryBytes: 512 * 1024 * 1024,
  }));
  const lab: LabAccess = {
    runId: 'abc123',
    hosts: labHosts,
    host: (name) => labHosts.find((host) => host.name === name)!,
    inHost: (name) => inHost[name]!,
    copyFiles: async () => undefined,
  };
  return { lab, inHost };
}

function runner(lab: LabAccess) {
  const outputDir = mkdtempSync(join(tmpdir(), 'socklab-steps-'));
  dirs.push(outputDir);
  const reporter = new RecordingReporter();
  return { runner: new StepRunner({ lab, programs: new ProgramLibrary(outputDir), reporter, outputDir }), reporter, outputDir };
}

/** Steps as a scenario writes them, as the model the runner takes. */
const model = (steps: StepValue[]) => buildScenario({ name: 'steps', networks: {}, hosts: {}, steps }, tmpdir()).steps;

const lines = (reporter: RecordingReporter, host: string) =>
  reporter.events.flatMap((event) => (event.kind === 'output' && event.host === host ? [event.line] : []));

describe('a run step', () => {
  it('streams any amount of output to the run folder and the console (up to its limit), checked as it passes', async () => {
    // 40 MB in 64 KB chunks: 640 chunks, the needle only in the very last one.
    const chunk = Buffer.from('a line of flood\n'.repeat(4096));
    const flood = [...Array.from({ length: 640 }, () => chunk), Buffer.from('the end\n')];
    const { lab } = fakeLab({ client: { program: () => ({ stdout: flood, end: { code: 0 } }) } });
    const { runner: steps, reporter, outputDir } = runner(lab);
    await steps.runAll(model([{ run: 'client', id: 'flood', command: 'flood', expect: { stdout: { contains: 'the end', lines: 640 * 4096 + 1 } } }]));
    expect(steps.verdicts.map((verdict) => verdict.failures)).toEqual([[]]);
    expect(statSync(join(outputDir, 'programs', 'flood.out')).size).toBe(640 * chunk.length + 8);
    const shown = lines(reporter, 'client');
    expect(shown).toHaveLength(CONSOLE_MAX_LINES + 1);
    expect(shown.at(-1)).toMatch(/more output than the console shows .* all of it is in .*programs\/flood\.out/);
  });

  it('is announced with its words as one would type them: multi-word arguments quoted', async () => {
    const { lab } = fakeLab({ client: { program: () => ({ stdout: ['ok\n'], end: { code: 0 } }) } });
    const { runner: steps, reporter } = runner(lab);
    await steps.runAll(
      model([
        { run: 'client', command: ['chat-client', '--line', 'anna: who is here?'] },
        { run: 'client', command: 'echo', args: ['--name', 'anna', 'it is "me"', ''] },
      ]),
    );
    const headers = reporter.events.flatMap((event) => (event.kind === 'step' ? [event.description] : []));
    expect(headers).toEqual(['run on client: chat-client --line "anna: who is here?"', 'run on client: echo --name anna "it is \\"me\\"" ""']);
  });

  it('keeps at most 256 MB of an output in the run folder, and says where it was cut', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const { lab } = fakeLab({ client: { program: () => ({ stdout: Array.from({ length: 260 }, () => chunk), end: { code: 0 } }) } });
    const { runner: steps, outputDir } = runner(lab);
    await steps.runAll(model([{ run: 'client', id: 'big', command: 'big' }]));
    const saved = join(outputDir, 'programs', 'big.out');
    expect(statSync(saved).size).toBeLessThan(SAVED_MAX_BYTES + 100);
    expect(readFileSync(saved).subarray(-60).toString()).toMatch(/\[socklab: output beyond 256 MB was not saved\]\n$/);
  });

  it('that runs past its time is stopped, whole process group, and says with which signal', async () => {
    const { lab, inHost } = fakeLab({ client: { program: () => ({ stdout: ['working\n'], ignores: ['SIGTERM'] }) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(model([{ run: 'client', id: 'stuck', command: 'sleep 1000', timeout: 1 }]));
    const [verdict] = steps.verdicts;
    expect(verdict!.subject).toBe('run finishes within 1 s');
    expect(verdict!.failures).toEqual([
      'still running after 1 s; did not end on SIGTERM within 5 s, so SIGKILL was sent to its whole process group: killed by SIGKILL',
    ]);
    expect(inHost.client!.calls).toEqual(expect.arrayContaining(['signal stuck SIGTERM', 'signal stuck SIGKILL']));
  });

  it('killed by the memory limit fails naming the limit, with the end of its error output', async () => {
    const { lab } = fakeLab({
      client: { program: () => ({ stderr: ['allocating 4 GB\n'], end: { code: 137, signal: 'SIGKILL', outOfMemory: true } }) },
    });
    const { runner: steps } = runner(lab);
    await steps.runAll(model([{ run: 'client', command: 'hog' }]));
    expect(steps.verdicts[0]!.failures).toEqual(['it ended killed: out of memory, limit 512 MB (exit code 137), expected 0; stderr: "allocating 4 GB"']);
  });

  it('quotes the end of a long output when an expectation fails', async () => {
    const { lab } = fakeLab({ client: { program: () => ({ stdout: [`${'x'.repeat(10_000)}\nlast words\n`], end: { code: 0 } }) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(model([{ run: 'client', command: 'talk', expect: { stdout: 'goodbye' } }]));
    expect(steps.verdicts[0]!.failures[0]).toMatch(/^stdout does not contain "goodbye"; it was "\.\.\.x+\\nlast words"$/);
  });
});

describe('a run step after a start or run step', () => {
  it('is made ready while the step before it goes on, and runs as made ready; ids as without', async () => {
    const { lab, inHost } = fakeLab({
      server: { program: () => ({ stdout: ['listening\n'] }) },
      client: { program: (argv) => ({ stdout: [`${argv.join(' ')}\n`], end: { code: 0 } }) },
    });
    const { runner: steps } = runner(lab);
    await steps.runAll(
      model([
        { start: 'server', command: 'serve', wait_for: 'listening', timeout: 1 },
        { run: 'client', command: 'first' },
        { run: 'client', command: 'second' },
        { observe: { hosts: ['client'], show: ['ps'] } },
        { run: 'client', command: 'third' },
      ]),
    );
    await steps.detach();
    expect(inHost.client!.calls.filter((call) => call.startsWith('run '))).toEqual([
      'run run-client-2 sh -c first sh',
      'run run-client-3 sh -c second sh',
      'run run-client-4 sh -c third sh',
    ]);
    // The first two each while the step before ran; not the third, after an observe step (whose ps would show its launcher).
    expect(inHost.client!.ranReady).toEqual(['run-client-2', 'run-client-3']);
    expect(steps.verdicts.map((verdict) => verdict.failures)).toEqual([[], [], []]);
  });

  it('made ready and never reached (the step before failed) is let go of', async () => {
    const { lab, inHost } = fakeLab({ server: { program: () => ({ stdout: ['starting\n'], end: { code: 1 } }) }, client: {} });
    const { runner: steps } = runner(lab);
    const error = await steps
      .runAll(
        model([
          { start: 'server', command: 'serve', wait_for: 'listening', timeout: 1 },
          { run: 'client', command: 'never' },
        ]),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect([...inHost.client!.readied.keys()]).toEqual(['run-client-2']);
    await steps.detach();
    expect(inHost.client!.readied.size).toBe(0);
    expect(inHost.client!.calls.filter((call) => call.startsWith('run '))).toEqual([]);
  });
});

describe('a background program', () => {
  it('is ready when wait_for text appears on standard error too', async () => {
    const { lab } = fakeLab({ server: { program: () => ({ stderr: ['ready on stderr\n'] }) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(model([{ start: 'server', id: 'srv', command: 'serve', wait_for: 'ready on stderr', timeout: 1 }]));
    await steps.detach();
  });

  it('that ends before it is ready stops the run, quoting what it printed', async () => {
    const { lab } = fakeLab({ server: { program: () => ({ stdout: ['starting\n'], stderr: ['EADDRINUSE\n'], end: { code: 1 } }) } });
    const { runner: steps } = runner(lab);
    const error = await steps.runAll(model([{ start: 'server', id: 'srv', command: 'serve', wait_for: 'listening', timeout: 1 }])).catch((e: unknown) => e);
    await steps.detach();
    expect(error).toBeInstanceOf(StepError);
    expect((error as Error).message).toBe(
      `step 1 on host 'server': the program ended (exited 1) before output "listening". standard output so far: "starting"; standard error: "EADDRINUSE"`,
    );
  });

  it('is given longer to get ready while this process starts many hosts and programs at once, and says so when it is not', async () => {
    // Twice as many start-ups as CPUs (this one included): the 1 s written becomes 2 s.
    const others = Array.from({ length: 2 * availableParallelism() - 1 }, () => crowd.enter(1_000));
    const { lab } = fakeLab({ server: { program: () => ({ stdout: ['starting\n'] }) } });
    const { runner: steps } = runner(lab);
    const before = Date.now();
    const error = await steps.runAll(model([{ start: 'server', id: 'srv', command: 'serve', wait_for: 'listening', timeout: 1 }])).catch((e: unknown) => e);
    others.forEach((other) => other.leave());
    await steps.detach();
    expect(Date.now() - before).toBeGreaterThanOrEqual(1_900);
    expect((error as Error).message).toBe(
      `step 1 on host 'server': waited 2 s (${2 * availableParallelism()} hosts, programs and teardowns were under way at once on ${availableParallelism()} CPU${availableParallelism() === 1 ? '' : 's'}, so it was stretched) for output "listening", in vain. standard output so far: "starting". Check the program, or raise 'timeout'.`,
    );
  });

  it('that ignores SIGTERM is stopped with SIGKILL, and the run says so', async () => {
    const { lab } = fakeLab({ server: { program: () => ({ stdout: ['up\n'], ignores: ['SIGTERM'] }) } });
    const { runner: steps, reporter } = runner(lab);
    await steps.runAll(
      model([
        { start: 'server', id: 'srv', command: 'serve' },
        { stop: 'srv', expect: { stdout: 'up' } },
      ]),
    );
    await steps.detach();
    const info = reporter.events.flatMap((event) => (event.kind === 'info' ? [event.message] : []));
    expect(info).toContain("'srv' did not end on SIGTERM within 5 s, so SIGKILL was sent to its whole process group: killed by SIGKILL");
    expect(steps.verdicts.map((verdict) => verdict.failures)).toEqual([[]]);
  });
});

describe('observe', () => {
  it('shows a command that never ends as stopped, and the run goes on', async () => {
    const { lab } = fakeLab({ server: { command: (script) => (script === 'sleep infinity' ? { exitCode: 137, timedOut: true } : undefined) } });
    const { runner: steps, reporter } = runner(lab);
    await steps.runAll(model([{ observe: { hosts: ['server'], command: 'sleep infinity' } }, { sleep: '1ms' }]));
    const observation = reporter.events.find((event) => event.kind === 'observation');
    expect(observation).toMatchObject({ host: 'server', title: 'sleep infinity', text: '(no answer within 10 s: stopped)' });
    expect(reporter.events.filter((event) => event.kind === 'step')).toHaveLength(2);
  });

  it("runs a command the scenario wrote with a user program's privileges, and its own views with the host's", async () => {
    const seen: { script: string; asUser?: boolean }[] = [];
    const { lab } = fakeLab({ server: { command: (script, options) => (seen.push({ script, asUser: options.asUser }), undefined) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(
      model([{ observe: { hosts: ['server'], command: 'ip route add 1.2.3.4 dev eth0' } }, { observe: { hosts: ['server'], show: ['iptables'] } }]),
    );
    expect(seen).toEqual([
      { script: 'ip route add 1.2.3.4 dev eth0', asUser: true },
      { script: 'iptables -t nat -S && iptables -S FORWARD', asUser: false },
    ]);
  });
});

describe('expectations', () => {
  it('on a host that does not answer fail with a reason, not a hang', async () => {
    const { lab } = fakeLab({ server: { command: () => ({ exitCode: 137, timedOut: true }) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(model([{ expect: [{ process: { host: 'server', running: 'node' } }, { listening: { host: 'server', port: 80 } }] }]));
    expect(steps.verdicts.map((verdict) => verdict.failures)).toEqual([
      ["host 'server' gave no answer within 10 s (is it out of memory or processes?)"],
      ["host 'server' gave no answer within 10 s (is it out of memory or processes?)"],
    ]);
  });

  it('right after an observe step check what that step showed; after any other step they look again', async () => {
    const PS_AUX = [
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root          42  0.0  0.1  10000  5000 ?        S    10:00   0:00 node /lab/programs/tcp-hello-server.js --port 60001',
    ].join('\n');
    const scripts: string[] = [];
    const { lab } = fakeLab({
      server: {
        command: (script) => {
          scripts.push(script);
          if (script === 'ps aux') return { exitCode: 0, stdout: PS_AUX };
          // A second look would see the server gone.
          if (script === 'ps -eo pid,args') return { exitCode: 0, stdout: '  PID COMMAND\n    1 sleep infinity' };
          return undefined;
        },
      },
    });
    const { runner: steps } = runner(lab);
    const running = { process: { host: 'server', running: 'tcp-hello-server' } };
    await steps.runAll(model([{ observe: { hosts: ['server'], show: ['ps'] } }, { expect: [running] }, { sleep: '1ms' }, { expect: [running] }]));
    expect(steps.verdicts.map((verdict) => verdict.failures.length)).toEqual([0, 1]);
    expect(scripts.filter((script) => script.startsWith('ps'))).toEqual(['ps aux', 'ps -eo pid,args']);
  });

  it('on a background program see all of its output, beyond what the run folder keeps', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    const flood = [...Array.from({ length: 260 }, () => chunk), 'LAST LINE\n'];
    const { lab } = fakeLab({ server: { program: () => ({ stdout: flood, end: { code: 0 } }) } });
    const { runner: steps } = runner(lab);
    await steps.runAll(
      model([
        { start: 'server', id: 'srv', command: 'flood' },
        { wait: 'srv', expect: { stdout: 'LAST LINE' } },
        { expect: { output: { of: 'srv', stdout: { contains: 'LAST LINE', not_contains: 'ERROR' } } } },
      ]),
    );
    await steps.detach();
    expect(steps.verdicts.map((verdict) => verdict.failures)).toEqual([[], []]);
  });

  it("read a program's output from the run folder, whatever its size", async () => {
    const chunk = Buffer.from('0123456789abcdef'.repeat(4096));
    const { lab } = fakeLab({ server: { program: () => ({ stdout: [...Array.from({ length: 200 }, () => chunk), 'DONE\n'], end: { code: 0 } }) } });
    const { runner: steps } = runner(lab);
    const script: StepValue[] = [
      { start: 'server', id: 'srv', command: 'serve' },
      { wait: 'srv' },
      { expect: { output: { of: 'srv', stdout: { contains: 'DONE', not_contains: 'ERROR' } } } },
    ];
    await steps.runAll(model(script));
    await steps.detach();
    expect(steps.verdicts.map((verdict) => [verdict.subject, verdict.failures])).toEqual([
      ["'srv' exits 0", []],
      ["output of 'srv'", []],
    ]);
  });
});

describe('a capture', () => {
  it('waits until tcpdump listens, streams the pcap out and decodes it, keeping only the first lines', async () => {
    const decoded = Array.from({ length: 100 }, (_, i) => `00:00:00.${String(i).padStart(6, '0')} eth0 In IP 10.0.0.20.4000 > 10.0.0.10.80: Flags [S]`).join(
      '\n',
    );
    const { lab, inHost } = fakeLab({
      router: {
        program: () => ({ stderr: ['listening on any'] }),
        command: (script, options) => {
          if (script.startsWith('ip -o -4 addr')) return { stdout: 'eth0\n' };
          if (script.startsWith('head -c 4096')) return { stdout: 'tcpdump: listening on any, link-type LINUX_SLL2\n' };
          if (script.startsWith('tcpdump -n -ttttt -r')) return options.sink ? { stdout: `${decoded}\n` } : undefined;
          return undefined;
        },
      },
    });
    inHost.router!.files.set('/lab/captures/cap-0.pcap', Buffer.from('pcap bytes'));
    const outputDir = mkdtempSync(join(tmpdir(), 'socklab-capture-'));
    dirs.push(outputDir);
    const capture = await Capture.start(lab, 'router', { filter: 'tcp port 1 or (udp port 9)', idPrefix: 'cap' });
    // The filter stays one argument: no shell ever parses it.
    expect(inHost.router!.calls).toContain(
      'start cap-0 tcpdump --immediate-mode -U -n -i any -y LINUX_SLL2 -c 100000 -s 512 -w /lab/captures/cap-0.pcap tcp port 1 or (udp port 9) (own)',
    );
    const [result] = await capture.stop(outputDir);
    expect(result).toMatchObject({
      name: 'router',
      iface: 'any',
      packets: 100,
      capped: false,
      legend: 'eth0 = lan 10.0.0.10',
      fileInHost: '/lab/captures/cap-0.pcap',
    });
    expect(result!.firstLines).toHaveLength(40);
    expect(readFileSync(result!.pcapPath, 'utf8')).toBe('pcap bytes');
    expect(readFileSync(result!.textPath, 'utf8')).toBe(`${decoded}\n`);
  });
});
