// Runs a scenario's steps in order against a lab that is up: programs in the background
// or to completion, observations, expectations and packet captures. Expectation failures
// are collected and the run goes on; anything that makes later steps meaningless (a program
// that never became ready, a missing program id) stops the run with a StepError.
//
// Every step is bounded in time and honours the run's AbortSignal (Ctrl+C), and program
// output flows through (ProgramOutput) rather than into memory, whatever a program does.
import { shortPath } from '../util/paths.js';
import { formatSeconds, poll, sleep } from '../util/abort.js';
import { crowd, type CrowdedDeadline } from '../util/crowd.js';
import { tailExcerpt, TailBuffer } from '../util/bounded-output.js';
import type { OutputExpectationValue } from '../scenario/schema.js';
import {
  visitSteps,
  type CaptureStep,
  type ExpectStep,
  type ObservationName,
  type ObserveStep,
  type ProgramStep,
  type RunStep,
  type StartStep,
  type Step,
  type StopStep,
  type WaitFor,
  type WaitStep,
} from '../scenario/model.js';
import { OBSERVATION_COMMANDS, PARSEABLE } from '../observe/commands.js';
import { ObservationLog } from '../observe/observation-log.js';
import { parseNetstat } from '../observe/netstat.js';
import { parseConntrack } from '../observe/conntrack.js';
import { describeEnd, type ProgramEnd } from '../in-host/contract.js';
import { shownObservation } from '../observe/plumbing.js';
import { caughtUp, HOST_GOING, type StopResult } from '../in-host/in-host.js';
import { checkExpectation, momentKey, momentReader, readHost, viewsOf, type HostReading, type View } from './expectations.js';
import { asPidAndArgs } from '../observe/ps.js';
import { OutputMatcher, TextMatcher } from './output-matchers.js';
import { Capture, countPackets, decodedExcerpt, type CaptureResult, type PacketCount } from './capture.js';
import type { LabAccess } from './lab.js';
import { outputFailures, ProgramOutput, type OutputSource } from './program-output.js';
import type { ProgramLibrary } from './programs.js';
import type { ExpectationVerdict, Reporter } from './reporter.js';

const STOP_GRACE_MS = 5_000;
const OBSERVE_MS = 10_000;
/** How long output already written may take to arrive before the next heading is printed. */
const CATCH_UP_MS = 500;
/** How long it may take before an expectation or the end of a program is judged. */
const CATCH_UP_FINAL_MS = 30_000;

/** A step that could not be carried out; names the step and the host. */
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
  lab: LabAccess;
  programs: ProgramLibrary;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Folder for captures, program output and reports of this run. */
  outputDir: string;
}

/** A program started in the background: its output as it is followed, and the follow itself. */
interface BackgroundProgram {
  id: string;
  host: string;
  output: ProgramOutput;
  live: Map<OutputExpectationValue, OutputMatcher>;
  following: AbortController;
  followed: Promise<void>;
  /** Set once it is known to have ended. */
  end?: ProgramEnd;
}

export class StepRunner {
  readonly verdicts: ExpectationVerdict[] = [];
  /** Sockets and NAT flows seen during the run, for the who-sees-what picture. */
  readonly observations = new ObservationLog();
  private readonly background = new Map<string, BackgroundProgram>();
  /** Programs that have ended (run steps, and stopped or waited-for background ones). */
  private readonly finished = new Map<string, OutputSource>();
  /** The output expectations on each program id, anywhere in the scenario: matched live. */
  private readonly outputChecks = new Map<string, { expectation: OutputExpectationValue; defaultExit?: number }[]>();
  private autoId = 0;
  /** Every ended capture, for the run's report (its journey). */
  readonly captured: { step: string; id?: string; hosts: { host: string; results: CaptureResult[] }[] }[] = [];
  /** Ended captures with an id, for `packets` expectations: their pcaps stay in the host. */
  private readonly captures = new Map<string, { host: string; results: CaptureResult[] }[]>();
  /** What the previous step read, when it was an observe step: the next expect step checks that moment. */
  private justObserved: ReadonlyMap<string, HostReading> | undefined;
  /** The run step made ready while the step before it went on (readyNext), with its id. */
  private readied: { step: RunStep; id: string } | undefined;

  constructor(private readonly options: StepRunnerOptions) {}

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  async runAll(steps: readonly Step[], prefix = 'step '): Promise<void> {
    if (prefix === 'step ' || prefix === 'setup ') this.collectOutputChecks(steps);
    for (const [index, step] of steps.entries()) {
      this.signal?.throwIfAborted();
      await this.runStep(step, `${prefix}${index + 1}`, steps[index + 1]);
    }
  }

  /**
   * While a start or run step goes on, the run step after it is made ready in its host
   * (InHost.readyRun): the engine's work of an exec is done meanwhile, and the run starts at
   * once when its turn comes. Only after those steps: none of them reads the host's
   * processes, where the waiting launcher shows. Called once the current step has its id,
   * so ids are given in the order of the steps, as without.
   */
  private async readyNext(next: Step | undefined): Promise<void> {
    if (next?.kind !== 'run') return;
    const id = next.id ?? this.nextId('run', next.host);
    this.readied = { step: next, id };
    // A program that cannot be prepared fails its own step, when it comes.
    const argv = await this.argv(next, '').catch(() => undefined);
    if (argv && this.readied?.step === next) this.options.lab.inHost(next.host).readyRun(id, argv, next.env);
  }

  /**
   * Finds every output expectation and the program it is about, so that the program's output
   * is matched as it passes, however large (the run folder keeps only the first part).
   */
  private collectOutputChecks(steps: readonly Step[]): void {
    const add = (id: string, expectation: OutputExpectationValue | undefined, defaultExit?: number) => {
      if (!expectation) return;
      const list = this.outputChecks.get(id) ?? [];
      list.push({ expectation, defaultExit });
      this.outputChecks.set(id, list);
    };
    visitSteps(steps, {
      stop: (step) => add(step.id, step.expect),
      wait: (step) => add(step.id, step.expect, 0),
      expect: (step) => {
        for (const { expectation } of step.expectations) if ('output' in expectation) add(expectation.output.of, expectation.output);
      },
    });
  }

  /**
   * Stops following background programs' output (their processes go with the lab) and closes
   * their files; once. `labGoing`: the lab is removed next, so the hosts need no tidying.
   */
  async detach(options: { labGoing?: boolean } = {}): Promise<void> {
    if (this.readied) this.options.lab.inHost(this.readied.step.host).dropReadyRuns();
    this.readied = undefined;
    const programs = [...this.background.values()];
    this.background.clear();
    for (const program of programs) program.following.abort(options.labGoing ? HOST_GOING : undefined);
    await Promise.all(
      programs.map(async (program) => {
        await program.followed;
        await program.output.close();
      }),
    );
  }

  private async runStep(step: Step, label: string, next?: Step): Promise<void> {
    const observed = this.justObserved;
    this.justObserved = undefined;
    // Observe and expect steps catch up while they read the hosts.
    if (step.kind !== 'observe' && step.kind !== 'expect') await this.catchUpAll(CATCH_UP_MS);
    switch (step.kind) {
      case 'start':
        return this.start(step, label, next);
      case 'run':
        return this.run(step, label, true, next);
      case 'parallel':
        this.options.reporter.step(label, `${step.runs.length} runs at once: ${step.runs.map((run) => run.host).join(', ')}`);
        await Promise.all(step.runs.map((run, index) => this.run(run, `${label}.${index + 1}`, false)));
        return;
      case 'sleep':
        this.options.reporter.step(label, `sleep ${step.ms / 1000} s`);
        await sleep(step.ms, this.signal);
        return;
      case 'observe':
        return this.observe(step, label);
      case 'stop':
        return this.stop(step, label);
      case 'wait':
        return this.wait(step, label);
      case 'expect':
        return this.expect(step, label, observed);
      case 'capture':
        return this.capture(step, label);
    }
  }

  private async expect(step: ExpectStep, label: string, observed?: ReadonlyMap<string, HostReading>): Promise<void> {
    // One moment: every host view the expectations need, read at once, then checked. Right
    // after an observe step, that step's moment: what it showed is what is checked.
    const read = momentReader(this.options.lab, { log: this.observations, signal: this.signal, seen: observed, moment: label });
    const sources = new Map<string, Promise<OutputSource | undefined>>();
    const outputs = (id: string) => sources.get(id) ?? sources.set(id, this.outputOf(id)).get(id)!;
    // The hosts are read while background output catches up; the header follows that output.
    const reading = Promise.all([
      ...step.expectations.flatMap(({ expectation }) => viewsOf(expectation).map(([host, view]) => read(host, view))),
      ...step.expectations.flatMap(({ expectation }) => ('output' in expectation ? [outputs(expectation.output.of)] : [])),
    ]);
    reading.catch(() => undefined);
    await this.catchUpAll(CATCH_UP_FINAL_MS);
    this.options.reporter.step(label, 'check expectations');
    await reading;
    for (const { expectation } of step.expectations) {
      const { subject, failures } = await checkExpectation(expectation, {
        outputs,
        read,
        packets: (id, match, network) => this.countPackets(id, match, network),
      });
      this.record({ step: label, subject, failures });
    }
  }

  private async countPackets(id: string, match: string, network?: string): Promise<PacketCount | undefined> {
    const capture = this.captures.get(id);
    if (!capture) return undefined;
    // Every host of the capture counts its own pcaps; a failure of one is the answer.
    const counts = await Promise.all(
      capture.map(({ host, results }) => {
        const files = results.filter((result) => network === undefined || result.network === network).map((result) => result.fileInHost);
        const none: PacketCount = { ok: true, count: 0, firstLines: [] };
        return files.length ? countPackets(this.options.lab, host, files, match, this.signal) : Promise.resolve(none);
      }),
    );
    const refused = counts.find((count) => !count.ok);
    if (refused) return refused;
    const ok = counts.filter((count): count is Extract<PacketCount, { ok: true }> => count.ok);
    return { ok: true, count: ok.reduce((sum, count) => sum + count.count, 0), firstLines: ok.flatMap((count) => count.firstLines).slice(0, 5) };
  }

  /** Lets background programs' output arrive before what comes next (the console reads in order). */
  private async catchUpAll(timeoutMs: number): Promise<void> {
    await Promise.all([...this.background.values()].map((program) => this.catchUp(program, timeoutMs).catch(() => undefined)));
  }

  private async catchUp(program: BackgroundProgram, timeoutMs: number): Promise<boolean> {
    if (program.following.signal.aborted) return true;
    const sizes = await this.options.lab.inHost(program.host).outputSizes(program.id, this.signal);
    return caughtUp(() => program.output.bytes, sizes, timeoutMs, this.signal);
  }

  private record(verdict: ExpectationVerdict): void {
    this.verdicts.push(verdict);
    this.options.reporter.verdict(verdict);
  }

  private async argv(step: ProgramStep, label: string): Promise<string[]> {
    const { program, args } = step;
    switch (program?.kind) {
      case 'file': {
        const prepared = await this.options.programs.prepare(program).catch((error: Error) => {
          throw new StepError(label, step.host, error.message);
        });
        return [...prepared.interpreter, ...args];
      }
      case 'argv':
        return [...program.argv, ...args];
      case 'shell':
        return ['sh', '-c', program.script, 'sh', ...args];
      case undefined:
        // Validation refuses such a step; a model built by hand may still hold one.
        throw new StepError(label, step.host, 'the step names neither a program nor a command');
    }
  }

  private nextId(kind: string, host: string): string {
    this.autoId += 1;
    return `${kind}-${host}-${this.autoId}`;
  }

  /** The step's program and arguments as one line; arguments with spaces are quoted. */
  private describe(step: ProgramStep): string {
    const { program } = step;
    const what = program?.kind === 'file' ? program.written : program?.kind === 'argv' ? wordsAsWritten(program.argv) : (program?.script ?? '');
    return [what, wordsAsWritten(step.args)].filter(Boolean).join(' ');
  }

  private async openOutput(host: string, id: string): Promise<{ output: ProgramOutput; live: Map<OutputExpectationValue, OutputMatcher> }> {
    const { reporter, outputDir } = this.options;
    const output = await ProgramOutput.open(outputDir, id, {
      line: (stream, line) => reporter.hostOutput(host, stream, line),
      note: (text) => reporter.hostOutput(host, 'stderr', text),
    });
    const live = new Map((this.outputChecks.get(id) ?? []).map(({ expectation, defaultExit }) => [expectation, new OutputMatcher(expectation, defaultExit)]));
    if (live.size > 0) output.listen((stream, chunk) => live.forEach((matcher) => matcher.push(stream, chunk)));
    return { output, live };
  }

  private memoryOf(host: string): number | undefined {
    return this.options.lab.host(host).memoryBytes;
  }

  private async start(step: StartStep, label: string, next?: Step): Promise<void> {
    const { lab, reporter } = this.options;
    const { host } = step;
    reporter.step(label, `start on ${host}: ${this.describe(step)}`);
    const id = step.id ?? this.nextId('start', host);
    await this.readyNext(next);
    const argv = await this.argv(step, label);
    const { output, live } = await this.openOutput(host, id);
    const following = new AbortController();
    const program: BackgroundProgram = { id, host, output, live, following, followed: Promise.resolve() };
    this.background.set(id, program);
    // Listening before the output can flow: the first line may be the one waited for.
    const readiness = step.waitFor === undefined ? undefined : new Readiness(program, step.waitFor);
    try {
      await lab.inHost(host).start(id, argv, { env: step.env, signal: this.signal });
      program.followed = lab.inHost(host).follow(id, output.sinks, following.signal);
      if (readiness) await this.waitUntilReady(program, readiness, step.timeoutMs, label);
    } finally {
      readiness?.stop();
    }
  }

  /**
   * Waits for a program to show it is ready: a text in its output, or a port that listens.
   * Counted with the other hosts and programs this process is starting: many at once give
   * each longer (util/crowd.ts).
   */
  private async waitUntilReady(program: BackgroundProgram, readiness: Readiness, timeoutMs: number, label: string) {
    await crowd.within(timeoutMs, (deadline) => this.waitInCrowd(program, readiness, deadline, label));
  }

  private async waitInCrowd(program: BackgroundProgram, readiness: Readiness, deadline: CrowdedDeadline, label: string) {
    const inHost = this.options.lab.inHost(program.host);
    const { port, protocol } = readiness.spec;
    const outcome = await poll(
      async () => {
        if (readiness.textSeen) return 'ready';
        if (port && (await this.portListening(program.host, port, protocol))) return 'ready';
        // Whether it has ended; the text waited for may go by meanwhile, which ends the wait.
        const asking = inHost.status(program.id, this.signal);
        asking.catch(() => undefined);
        const status = await Promise.race([asking, readiness.textArrived.then(() => 'text seen' as const)]);
        if (status === 'text seen') return 'ready';
        if (status?.end) {
          await this.catchUp(program, CATCH_UP_MS).catch(() => false);
          if (readiness.textSeen) return 'ready';
          program.end = status.end;
          return status.end;
        }
        return undefined;
      },
      // A text wait is woken by the text itself: the polls only notice a program that ended,
      // and may grow sparse (thirty labs coming up at once ask the engine less often).
      { timeoutMs: deadline.ms, intervalMs: 100, maxIntervalMs: port ? 250 : 1_000, signal: this.signal, wake: readiness.textArrived },
    );
    if (outcome === 'ready') return;
    if (outcome) {
      throw new StepError(
        label,
        program.host,
        `the program ended (${describeEnd(outcome, this.memoryOf(program.host))}) before ${readiness.what}. ${readiness.seen()}`,
      );
    }
    throw new StepError(
      label,
      program.host,
      `waited ${deadline.describe()} for ${readiness.what}, in vain. ${readiness.seen()}. Check the program, or raise 'timeout'.`,
    );
  }

  private async portListening(host: string, port: number, protocol?: 'tcp' | 'udp'): Promise<boolean> {
    const flag = protocol === 'udp' ? '-Hlun' : '-Hltn';
    const result = await this.options.lab.inHost(host).command(`ss ${flag} 'sport = :${port}'`, { signal: this.signal });
    return result.exitCode === 0 && result.stdout.trim() !== '';
  }

  private async run(step: RunStep, label: string, announce = true, next?: Step): Promise<void> {
    const { lab, reporter } = this.options;
    const { host, timeoutMs } = step;
    if (announce) reporter.step(label, `run on ${host}: ${this.describe(step)}`);
    const readied = this.readied?.step === step ? this.readied : undefined;
    if (readied) this.readied = undefined;
    const id = readied?.id ?? step.id ?? this.nextId('run', host);
    await this.readyNext(next);
    const argv = await this.argv(step, label);
    const { output, live } = await this.openOutput(host, id);
    // A run is expected to succeed unless it says otherwise; matched as the output passes.
    const matcher = new OutputMatcher(step.expect, 0);
    const stopMatching = output.listen((stream, chunk) => matcher.push(stream, chunk));
    let result;
    try {
      result = await lab.inHost(host).runToCompletion(id, argv, { env: step.env, timeoutMs, sinks: output.sinks, signal: this.signal });
    } finally {
      stopMatching();
      await output.close();
    }
    this.finished.set(id, { files: output.files, end: result.end, memoryBytes: this.memoryOf(host), truncated: output.truncated, live });
    if (result.timedOut) {
      const subject = `run finishes within ${formatSeconds(timeoutMs)}`;
      this.record({ step: label, host, subject, failures: [`still running after ${formatSeconds(timeoutMs)}; ${describeStop(result.stop)}`] });
      return;
    }
    const failures = matcher.failures(result.end, this.memoryOf(host));
    const exit = step.expect?.exit ?? 0;
    this.record({ step: label, host, subject: `${this.describe(step)} exits ${exit}${step.expect?.stdout ? ' with the expected output' : ''}`, failures });
  }

  private backgroundProgram(id: string, label: string): BackgroundProgram {
    const program = this.background.get(id);
    if (!program) throw new StepError(label, undefined, `no background program with id '${id}'`);
    return program;
  }

  /** Lets the follow deliver everything the program wrote, then stops it and closes the output. */
  private async finishFollowing(program: BackgroundProgram): Promise<void> {
    if (!program.following.signal.aborted) {
      const complete = await this.catchUp(program, CATCH_UP_FINAL_MS).catch(() => false);
      if (!complete)
        await program.output.sinks.stderr(
          Buffer.from(`\n[socklab: the output was still arriving after ${formatSeconds(CATCH_UP_FINAL_MS)}; what follows is missing]\n`),
        );
      program.following.abort();
      await program.followed;
    }
    await program.output.close();
    this.background.delete(program.id);
    this.finished.set(program.id, this.sourceOf(program));
  }

  private async stop(step: StopStep, label: string): Promise<void> {
    const program = this.backgroundProgram(step.id, label);
    const { signal } = step;
    this.options.reporter.step(label, `stop '${step.id}' on ${program.host} (${signal})`);
    const stopped = await this.options.lab.inHost(program.host).stop(program.id, { signal, graceMs: STOP_GRACE_MS, abort: this.signal });
    program.end = stopped.end;
    this.options.reporter.info(`'${step.id}' ${describeStop(stopped, this.memoryOf(program.host))}`);
    await this.finishFollowing(program);
    if (step.expect) {
      const failures = await outputFailures(this.sourceOf(program), step.expect);
      this.record({ step: label, host: program.host, subject: `output of '${step.id}'`, failures });
    }
  }

  private async wait(step: WaitStep, label: string): Promise<void> {
    const program = this.backgroundProgram(step.id, label);
    const { timeoutMs } = step;
    this.options.reporter.step(label, `wait for '${step.id}' on ${program.host} to exit`);
    const end = await this.options.lab.inHost(program.host).waitForExit(program.id, timeoutMs, this.signal);
    const exit = step.expect?.exit ?? 0;
    const subject = `'${step.id}' exits ${exit}`;
    if (!end) {
      // Still running: it goes on (teardown ends it); its output so far stays followed.
      this.record({ step: label, host: program.host, subject, failures: [`still running after ${formatSeconds(timeoutMs)}`] });
      return;
    }
    program.end = end;
    await this.finishFollowing(program);
    const failures = await outputFailures(this.sourceOf(program), step.expect ?? {}, 0);
    this.record({ step: label, host: program.host, subject, failures });
  }

  private sourceOf(program: BackgroundProgram): OutputSource {
    return { files: program.output.files, end: program.end, memoryBytes: this.memoryOf(program.host), truncated: program.output.truncated, live: program.live };
  }

  private async outputOf(id: string): Promise<OutputSource | undefined> {
    const done = this.finished.get(id);
    if (done) return done;
    const running = this.background.get(id);
    if (!running) return undefined;
    const status = await this.options.lab.inHost(running.host).status(id, this.signal);
    return { ...this.sourceOf(running), end: status?.end };
  }

  private async observe(step: ObserveStep, label: string): Promise<void> {
    const { lab, reporter } = this.options;
    const shows: { title: string; command: string; name?: ObservationName }[] =
      step.command !== undefined
        ? [{ title: step.command, command: step.command }]
        : step.views.map((name) => ({ name, title: OBSERVATION_COMMANDS[name], command: OBSERVATION_COMMANDS[name] }));
    const hosts = step.hosts.map((host) => host.name);
    // Every host read at once while background output catches up (the header follows that
    // output, and is up while a slow host is read), then shown host after host.
    const reading = Promise.all(
      hosts.map((host) =>
        Promise.all(
          shows.map((show) => lab.inHost(host).command(show.command, { timeoutMs: OBSERVE_MS, signal: this.signal, asUser: show.name === undefined })),
        ),
      ),
    );
    reading.catch(() => undefined);
    await this.catchUpAll(CATCH_UP_MS);
    reporter.step(label, `observe ${hosts.join(', ')}`);
    const readings = await reading;
    const moment = new Map<string, HostReading>();
    for (const [hostIndex, host] of hosts.entries()) {
      readings[hostIndex]!.forEach((output, index) => {
        const show = shows[index]!;
        const shown = shownObservation(show.name, output.stdout + output.stderr);
        let text = shown.text;
        const note = (line: string) => (text = text ? `${text.replace(/\n?$/, '\n')}${line}` : line);
        if (shown.note) note(shown.note);
        if (output.truncated) note('(the output went on; socklab shows its first 4 MB)');
        if (output.timedOut) note(`(no answer within ${formatSeconds(OBSERVE_MS)}: stopped)`);
        reporter.observation(host, show.title, text);
        if (show.name === 'netstat' || show.name === 'netstat-raw') this.observations.addSockets(host, parseNetstat(output.stdout), label);
        if (show.name === 'conntrack') this.observations.addFlows(host, parseConntrack(output.stdout), label);
        const view = show.name && SEEN_AS[show.name];
        if (view)
          moment.set(
            momentKey(host, view.view),
            output.timedOut ? { ok: false, why: `host '${host}' gave no answer` } : { ok: true, text: view.text(output.stdout) },
          );
      });
    }
    this.justObserved = moment;
  }

  /**
   * One last look before teardown: conntrack on routers and sockets on every host, so the
   * who-sees-what picture has the newest state even when no step observed it.
   */
  async snapshotAll(): Promise<void> {
    const { lab } = this.options;
    await Promise.all(
      lab.hosts.map(async (host) => {
        const sockets = await readHost(lab, host.name, PARSEABLE.sockets, this.signal);
        if (sockets.ok) this.observations.addSockets(host.name, parseNetstat(sockets.text), 'end of run');
        if (host.role === 'router') {
          const flows = await readHost(lab, host.name, PARSEABLE.conntrack, this.signal);
          if (flows.ok) this.observations.addFlows(host.name, parseConntrack(flows.text), 'end of run');
        }
      }),
    );
  }

  private async capture(step: CaptureStep, label: string): Promise<void> {
    const { lab, reporter } = this.options;
    const { networks, filter } = step;
    // Each host records the networks asked for that it is on (all its interfaces when none
    // are asked for); with `all`, a host on none of them has nothing to record.
    // With several hosts, each interface is its own capture even when no network is named:
    // the journey follows a packet from network to network.
    const targets = step.hosts.flatMap(({ name }) => {
      const ips = lab.host(name).ips;
      const on = networks ? networks.filter((network) => network in ips) : step.hosts.length > 1 ? Object.keys(ips) : undefined;
      return on && on.length === 0 ? [] : [{ host: name, networks: on }];
    });
    const where = targets.length === 1 ? targets[0]!.host : `${targets.length} hosts (${targets.map((target) => target.host).join(', ')})`;
    reporter.step(label, `capture packets on ${where} (${networks?.join(', ') ?? 'all interfaces'})`);
    this.autoId += 1;
    // All at once, each host's own tcpdump on the one kernel clock the hosts share.
    const starts = await Promise.allSettled(
      targets.map((target) =>
        Capture.start(lab, target.host, { networks: target.networks, filter, idPrefix: `capture-${target.host}-${this.autoId}`, signal: this.signal }),
      ),
    );
    const running = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    const failed = starts.findIndex((start) => start.status === 'rejected');
    if (failed >= 0) {
      await Promise.all(running.map((capture) => capture.abandon()));
      const error = (starts[failed] as PromiseRejectedResult).reason as Error;
      throw this.signal?.aborted ? error : new StepError(label, targets[failed]!.host, error.message);
    }
    try {
      await this.runAll(step.steps, `${label}.`);
    } finally {
      // Stop and collect even when an inner step failed: the capture shows why. Not when
      // interrupted: the lab is going down, and Ctrl+C means now.
      if (!this.signal?.aborted) {
        const stopped = await Promise.all(
          running.map(async (capture) => ({ host: capture.host, results: await capture.stop(this.options.outputDir, this.signal) })),
        );
        if (step.id !== undefined) this.captures.set(step.id, stopped);
        this.captured.push({ step: label, ...(step.id !== undefined ? { id: step.id } : {}), hosts: stopped });
        for (const { host, results } of stopped) {
          for (const result of results) {
            reporter.section(`capture on ${host} (${result.iface}; ${result.legend}) -> ${shortPath(result.pcapPath)}`, decodedExcerpt(result));
          }
        }
      }
    }
  }
}

/** The observations an expectation can reuse, as the view it reads and in that view's text form. */
const SEEN_AS: Partial<Record<ObservationName, { view: View; text: (stdout: string) => string }>> = {
  netstat: { view: 'sockets', text: (stdout) => stdout },
  'netstat-raw': { view: 'sockets', text: (stdout) => stdout },
  conntrack: { view: 'conntrack', text: (stdout) => stdout },
  ps: { view: 'processes', text: asPidAndArgs },
  'ps-raw': { view: 'processes', text: asPidAndArgs },
};

/**
 * What a `wait_for` waits for, watched as the program's output streams by: a text on its
 * standard output or error; and the end of both, to say what it printed when it was not ready.
 */
class Readiness {
  readonly what: string;
  private readonly matchers?: { stdout: TextMatcher; stderr: TextMatcher };
  private readonly tails = { stdout: new TailBuffer(2048), stderr: new TailBuffer(2048) };
  readonly stop: () => void;
  /** Settles when the text waited for goes by (it never does for a port). */
  readonly textArrived: Promise<void>;

  constructor(
    program: BackgroundProgram,
    readonly spec: WaitFor,
  ) {
    this.what = spec.port ? `port ${spec.port}/${spec.protocol} to listen` : `output ${JSON.stringify(spec.text?.contains ?? spec.text?.regex)}`;
    if (!spec.port && spec.text) {
      this.matchers = { stdout: new TextMatcher('stdout', spec.text), stderr: new TextMatcher('stderr', spec.text) };
    }
    let arrived = () => undefined as void;
    this.textArrived = new Promise((resolve) => (arrived = resolve));
    this.stop = program.output.listen((stream, chunk) => {
      this.matchers?.[stream].push(chunk);
      this.tails[stream].push(chunk);
      if (this.textSeen) arrived();
    });
  }

  get textSeen(): boolean {
    return this.matchers !== undefined && (this.matchers.stdout.satisfied || this.matchers.stderr.satisfied);
  }

  seen(): string {
    const out = tailExcerpt(this.tails.stdout.text(), 400);
    const err = tailExcerpt(this.tails.stderr.text(), 400);
    return `standard output so far: ${out ? JSON.stringify(out) : '(nothing)'}${err ? `; standard error: ${JSON.stringify(err)}` : ''}`;
  }
}

/** Words of a command line as one would type them: those with spaces or quotes quoted. */
export function wordsAsWritten(words: readonly string[]): string {
  return words.map((word) => (/[\s"'\\$`]/.test(word) || word === '' ? JSON.stringify(word) : word)).join(' ');
}

/** How a stop went, in a few words: "ended by SIGTERM", "did not end on SIGTERM within 5 s; SIGKILL ended it". */
export function describeStop(stop: StopResult | undefined, memoryBytes?: number): string {
  if (!stop) return 'it could not be stopped (the host did not answer)';
  if (stop.alreadyEnded) return stop.end ? `had already ended (${describeEnd(stop.end, memoryBytes)})` : 'was not running';
  const [first, second] = stop.sent;
  const ended = stop.end ? describeEnd(stop.end, memoryBytes) : 'still running';
  if (!second) return `stopped with ${first} (its whole process group): ${ended}`;
  return `did not end on ${first} within ${formatSeconds(STOP_GRACE_MS)}, so ${second} was sent to its whole process group: ${ended}`;
}
