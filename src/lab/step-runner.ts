// Runs a scenario's steps in order against a lab that is up: programs in the background
// or to completion, observations, expectations and packet captures. Expectation failures
// are collected and the run goes on; anything that makes later steps meaningless (a program
// that never became ready, a missing program id) stops the run with a StepError.
import { shortPath } from '../util/paths.js';
import type { ExecResult } from '../runtime/runtime.js';
import {
  durationMs,
  stepKind,
  type CaptureStepValue,
  type ObserveStepValue,
  type RunStepValue,
  type StartStepValue,
  type StepValue,
  type StopStepValue,
  type WaitStepValue,
  type WaitForValue,
} from '../scenario/schema.js';
import { OBSERVATION_COMMANDS, PARSEABLE, withoutPlumbing, type Observation } from '../observe/commands.js';
import { ObservationLog } from '../observe/observation-log.js';
import { parseNetstat } from '../observe/netstat.js';
import { parseConntrack } from '../observe/conntrack.js';
import { checkExpectation, checkOutput } from './expectations.js';
import { BackgroundProgram, runToCompletion, sleep } from './host-process.js';
import { Capture, decodedExcerpt } from './capture.js';
import type { Lab } from './lab.js';
import { programsByHost, type ProgramLibrary } from './programs.js';
import type { ExpectationVerdict, Reporter } from './reporter.js';

const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_RUN_MS = 30_000;
const DEFAULT_STOP_MS = 5_000;

/** A step that could not be carried out; names the step and the host. */
/** Whether `text` shows what a text `wait_for` waits for. */
function textReady(text: string, spec: Exclude<WaitForValue, string>): boolean {
  return (spec.output !== undefined && text.includes(spec.output)) || (spec.regex !== undefined && new RegExp(spec.regex, 'm').test(text));
}

export class StepError extends Error {
  override name = 'StepError';
  constructor(
    readonly step: string,
    readonly host: string | undefined,
    message: string,
  ) {
    super(`${step}${host ? ` on host '${host}'` : ''}: ${message}`);
  }
}

export interface StepRunnerOptions {
  lab: Lab;
  programs: ProgramLibrary;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Folder for captures and reports of this run. */
  outputDir: string;
}

type ProgramStep = StartStepValue | RunStepValue;

export class StepRunner {
  readonly verdicts: ExpectationVerdict[] = [];
  /** Sockets and NAT flows seen during the run, for the who-sees-what picture. */
  readonly observations = new ObservationLog();
  private readonly background = new Map<string, BackgroundProgram>();
  private readonly results = new Map<string, ExecResult>();
  private autoId = 0;

  constructor(private readonly options: StepRunnerOptions) {}

  /** Copies every program the steps use into the hosts that run it, before step 1. */
  async installPrograms(steps: readonly StepValue[]): Promise<void> {
    const { lab, programs } = this.options;
    await Promise.all(
      [...programsByHost(steps)].map(async ([host, names]) => {
        const prepared = await Promise.all([...names].map((name) => programs.prepare(name)));
        await lab.runtime.copyFiles(
          lab.host(host).container,
          prepared.map((program) => ({ path: program.pathInHost, content: program.content, mode: 0o755 })),
        );
      }),
    );
  }

  async runAll(steps: readonly StepValue[], prefix = 'step '): Promise<void> {
    for (const [index, step] of steps.entries()) {
      this.options.signal?.throwIfAborted();
      await this.runStep(step, `${prefix}${index + 1}`);
    }
  }

  /** Stops following background programs' output (their processes go with the lab). */
  detach(): void {
    for (const program of this.background.values()) program.stopFollowing();
  }

  private async runStep(step: StepValue, label: string): Promise<void> {
    const { reporter } = this.options;
    await this.catchUpOutput();
    switch (stepKind(step)) {
      case 'start':
        return this.start(step as StartStepValue, label);
      case 'run':
        return this.run(step as RunStepValue, label);
      case 'parallel': {
        const runs = (step as { parallel: RunStepValue[] }).parallel;
        reporter.step(label, `${runs.length} runs at once: ${runs.map((run) => run.run).join(', ')}`);
        await Promise.all(runs.map((run, index) => this.run(run, `${label}.${index + 1}`, false)));
        return;
      }
      case 'sleep': {
        const ms = durationMs((step as { sleep: number | string }).sleep, 0);
        reporter.step(label, `sleep ${ms / 1000} s`);
        await sleep(ms, this.options.signal);
        return;
      }
      case 'observe':
        return this.observe(step as ObserveStepValue, label);
      case 'stop':
        return this.stop(step as StopStepValue, label);
      case 'wait':
        return this.wait(step as WaitStepValue, label);
      case 'expect': {
        const { expect } = step as { expect: unknown };
        reporter.step(label, 'check expectations');
        for (const expectation of Array.isArray(expect) ? expect : [expect]) {
          const { subject, failures } = await checkExpectation(this.options.lab, expectation, (id) => this.outputOf(id), this.observations);
          this.record({ step: label, subject, failures });
        }
        return;
      }
      case 'capture':
        return this.capture(step as CaptureStepValue, label);
      default:
        throw new StepError(label, undefined, 'unknown step');
    }
  }

  /** Lets background programs' output print before the next heading (the console reads in order). */
  private async catchUpOutput(): Promise<void> {
    await Promise.all([...this.background.values()].map((program) => program.catchUp().catch(() => undefined)));
  }

  private record(verdict: ExpectationVerdict): void {
    this.verdicts.push(verdict);
    this.options.reporter.verdict(verdict);
  }

  private async argv(step: ProgramStep, label: string, host: string): Promise<string[]> {
    const args = (step.args ?? []).map(String);
    if (step.program) {
      const prepared = await this.options.programs.prepare(step.program).catch((error: Error) => {
        throw new StepError(label, host, error.message);
      });
      return [...prepared.interpreter, ...args];
    }
    if (Array.isArray(step.command)) return [...step.command, ...args];
    return ['sh', '-c', step.command ?? 'true', 'sh', ...args];
  }

  private stepEnv(step: ProgramStep): Record<string, string> {
    return Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, String(value)]));
  }

  private nextId(kind: string, host: string): string {
    this.autoId += 1;
    return `${kind}-${host}-${this.autoId}`;
  }

  private describe(step: ProgramStep): string {
    const what = step.program ?? (Array.isArray(step.command) ? step.command.join(' ') : step.command ?? '');
    return [what, ...(step.args ?? []).map(String)].join(' ');
  }

  private async start(step: StartStepValue, label: string): Promise<void> {
    const { lab, reporter } = this.options;
    const host = step.start;
    reporter.step(label, `start on ${host}: ${this.describe(step)}`);
    const id = step.id ?? this.nextId('start', host);
    const program = await BackgroundProgram.start(lab, host, id, await this.argv(step, label, host), this.stepEnv(step));
    this.background.set(id, program);
    program.follow((stream, line) => reporter.hostOutput(host, stream, line));
    if (step.wait_for !== undefined) await this.waitUntilReady(program, step.wait_for, durationMs(step.timeout, DEFAULT_WAIT_MS), label);
  }

  private async waitUntilReady(program: BackgroundProgram, waitFor: WaitForValue, timeoutMs: number, label: string) {
    const spec = typeof waitFor === 'string' ? { output: waitFor } : waitFor;
    const deadline = Date.now() + timeoutMs;
    const what = spec.port ? `port ${spec.port}/${spec.protocol ?? 'tcp'} to listen` : `output ${JSON.stringify(spec.output ?? spec.regex)}`;
    for (;;) {
      this.options.signal?.throwIfAborted();
      if (!spec.port && textReady(program.followedStdout, spec)) return; // the live follow: no engine call
      if (spec.port && (await this.portListening(program.host, spec.port, spec.protocol))) return;
      // One read of the program's files answers both questions: ready yet (the live follow
      // may lag; the file is the truth), and exited already.
      const current = await program.output();
      if (!spec.port && textReady(current.stdout, spec)) return;
      if (current.exitCode !== -1) {
        throw new StepError(label, program.host, `the program exited (code ${current.exitCode}) before ${what}. Output: ${JSON.stringify((current.stdout + current.stderr).trim().slice(-400))}`);
      }
      if (Date.now() >= deadline) {
        throw new StepError(label, program.host, `waited ${timeoutMs / 1000} s for ${what}, in vain. Output so far: ${JSON.stringify(current.stdout.trim().slice(-400))}. Raise 'timeout' or check the program.`);
      }
      await sleep(100, this.options.signal);
    }
  }

  private async portListening(host: string, port: number, protocol?: 'tcp' | 'udp'): Promise<boolean> {
    const flag = protocol === 'udp' ? '-Hlun' : '-Hltn';
    const result = await this.options.lab.exec(host, ['ss', flag, `sport = :${port}`]);
    return result.stdout.trim() !== '';
  }

  private async run(step: RunStepValue, label: string, announce = true): Promise<void> {
    const { lab, reporter } = this.options;
    const host = step.run;
    if (announce) reporter.step(label, `run on ${host}: ${this.describe(step)}`);
    const id = step.id ?? this.nextId('run', host);
    const timeoutMs = durationMs(step.timeout, DEFAULT_RUN_MS);
    const result = await runToCompletion(lab, host, id, await this.argv(step, label, host), {
      env: this.stepEnv(step),
      timeoutMs,
      sink: (stream, line) => reporter.hostOutput(host, stream, line),
      signal: this.options.signal,
    });
    this.results.set(id, result);
    if (result.timedOut) {
      this.record({ step: label, host, subject: `run finishes within ${timeoutMs / 1000} s`, failures: [`still running after ${timeoutMs / 1000} s; it was stopped`] });
      return;
    }
    // A run is expected to succeed unless it says otherwise.
    const failures = checkOutput(result, step.expect, 0);
    const exit = step.expect?.exit ?? 0;
    this.record({ step: label, host, subject: `${this.describe(step)} exits ${exit}${step.expect?.stdout ? ' with the expected output' : ''}`, failures });
  }

  private async stop(step: StopStepValue, label: string): Promise<void> {
    const program = this.background.get(step.stop);
    if (!program) throw new StepError(label, undefined, `no background program with id '${step.stop}'`);
    const signal = step.signal ?? 'SIGTERM';
    this.options.reporter.step(label, `stop '${step.stop}' on ${program.host} (${signal})`);
    if ((await program.exitCode()) === undefined) {
      await program.signal(signal);
      const code = await program.waitForExit(DEFAULT_STOP_MS, this.options.signal);
      if (code === undefined) {
        await program.signal('SIGKILL');
        await program.waitForExit(DEFAULT_STOP_MS, this.options.signal);
      }
    }
    await sleep(150); // let the live follow print the last lines
    program.stopFollowing();
    const result = await program.output();
    this.results.set(step.stop, result);
    if (step.expect) {
      this.record({ step: label, host: program.host, subject: `output of '${step.stop}'`, failures: checkOutput(result, step.expect) });
    }
  }

  private async wait(step: WaitStepValue, label: string): Promise<void> {
    const program = this.background.get(step.wait);
    if (!program) throw new StepError(label, undefined, `no background program with id '${step.wait}'`);
    const timeoutMs = durationMs(step.timeout, DEFAULT_RUN_MS);
    this.options.reporter.step(label, `wait for '${step.wait}' on ${program.host} to exit`);
    const code = await program.waitForExit(timeoutMs, this.options.signal);
    await sleep(150); // let the live follow print the last lines
    program.stopFollowing();
    const result = await program.output();
    this.results.set(step.wait, result);
    const exit = step.expect?.exit ?? 0;
    const failures = code === undefined ? [`still running after ${timeoutMs / 1000} s`] : checkOutput(result, step.expect, 0);
    this.record({ step: label, host: program.host, subject: `'${step.wait}' exits ${exit}`, failures });
  }

  private async outputOf(id: string): Promise<ExecResult | undefined> {
    const running = this.background.get(id);
    if (running && !this.results.has(id)) return running.output();
    return this.results.get(id);
  }

  private async observe(step: ObserveStepValue, label: string): Promise<void> {
    const { lab, reporter } = this.options;
    const spec =
      typeof step.observe === 'string'
        ? { hosts: [step.observe] }
        : Array.isArray(step.observe)
          ? { hosts: step.observe }
          : step.observe;
    const shows: { title: string; command: string; name?: Observation }[] = spec.command
      ? [{ title: spec.command, command: spec.command }]
      : (spec.show ?? (['netstat', 'ps'] as Observation[])).map((name) => ({
          name,
          title: OBSERVATION_COMMANDS[name],
          command: OBSERVATION_COMMANDS[name],
        }));
    reporter.step(label, `observe ${spec.hosts.join(', ')}`);
    for (const host of spec.hosts) {
      const outputs = await Promise.all(shows.map((show) => lab.exec(host, ['sh', '-c', show.command])));
      outputs.forEach((output, index) => {
        const show = shows[index]!;
        const text = show.name ? withoutPlumbing(show.name, output.stdout + output.stderr) : output.stdout + output.stderr;
        reporter.observation(host, show.title, text);
        if (show.name === 'netstat') this.observations.addSockets(host, parseNetstat(output.stdout));
        if (show.name === 'conntrack') this.observations.addFlows(host, parseConntrack(output.stdout));
      });
    }
  }

  /**
   * One last look before teardown: conntrack on routers and sockets on every host, so the
   * who-sees-what picture has the newest state even when no step observed it.
   */
  async snapshotAll(): Promise<void> {
    const { lab } = this.options;
    await Promise.all(
      lab.plan.hosts.map(async (host) => {
        const sockets = await lab.exec(host.name, ['sh', '-c', PARSEABLE.sockets]);
        this.observations.addSockets(host.name, parseNetstat(sockets.stdout));
        if (host.role === 'router') {
          const flows = await lab.exec(host.name, ['sh', '-c', PARSEABLE.conntrack]);
          this.observations.addFlows(host.name, parseConntrack(flows.stdout));
        }
      }),
    );
  }

  private async capture(step: CaptureStepValue, label: string): Promise<void> {
    const { lab, reporter } = this.options;
    const { host, networks, filter } = step.capture;
    reporter.step(label, `capture packets on ${host} (${networks?.join(', ') ?? 'all interfaces'})`);
    this.autoId += 1;
    const capture = await Capture.start(lab, host, { networks, filter, idPrefix: `capture-${host}-${this.autoId}`, signal: this.options.signal }).catch(
      (error: Error) => {
        throw new StepError(label, host, error.message);
      },
    );
    try {
      await this.runAll(step.steps, `${label}.`);
    } finally {
      // Stop and collect even when an inner step failed: the capture shows why.
      for (const result of await capture.stop(this.options.outputDir)) {
        reporter.section(`capture on ${host} (${result.iface}; ${result.legend}) -> ${shortPath(result.pcapPath)}`, decodedExcerpt(result));
      }
    }
  }
}
