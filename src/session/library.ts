// socklab as a library, for test suites: a lab brought up from a scenario file or object,
// poked at (exec, netstat, programs started, packets captured) and taken down, with the
// same reaper, limits and clean-up as the CLI. `await using lab = await Lab.up(...)` takes
// it down when the block ends, whatever happens in it. Documented in docs/library.md.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { shellQuote } from '../in-host/contract.js';
import { stringify } from 'yaml';
import { Capture, type CaptureResult } from '../lab/capture.js';
import type { Lab as LabHandle } from '../lab/lab.js';
import { RecordingReporter, type Reporter } from '../lab/reporter.js';
import { withoutResolverSockets } from '../observe/plumbing.js';
import { parseNetstat, type SocketRecord } from '../observe/netstat.js';
import { PARSEABLE } from '../observe/commands.js';
import { ScenarioError } from '../scenario/issues.js';
import { checkScenarioText, loadScenario, type LoadedScenario } from '../scenario/load.js';
import { resolveProgramPath } from '../scenario/program-path.js';
import { STEP_DEFAULTS, type StartStep } from '../scenario/model.js';
import type { ScenarioInputValue } from '../scenario/schema.js';
import { bringUp, takeDown, type LabSession } from './bring-up.js';
import { prepareEngine } from './engine.js';

export type { SocketRecord, CaptureResult };
/** A scenario as an object: what a scenario file holds. */
export type ScenarioInput = ScenarioInputValue;

export interface LabOptions {
  /** The lab's name (default: the scenario's). */
  name?: string;
  /** Where run output goes (default .socklab/runs). */
  outputRoot?: string;
  /** Each line a run would print (step headings, programs' output); default: nothing. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface StartOptions {
  /** Names the program for `stop` (default: made up). */
  id?: string;
  args?: (string | number)[];
  env?: Record<string, string>;
  /** Wait until this text is printed, or this port listens. */
  waitFor?: string | { port: number; protocol?: 'tcp' | 'udp' };
  timeoutMs?: number;
}

/** A reporter that writes each line for `log`, for a test's output when asked. */
function lineReporter(log: (line: string) => void): Reporter {
  return {
    info: (message) => log(message),
    step: (label, description) => log(`▶ ${label} ${description}`),
    hostOutput: (host, stream, line) => log(`${host} | ${stream === 'stderr' ? '! ' : ''}${line}`),
    observation: (host, title, text) => log(`── ${host}: ${title}\n${text}`),
    verdict: (verdict) => log(`${verdict.failures.length ? '✘' : '✔'} ${verdict.subject}${verdict.failures.length ? `: ${verdict.failures.join('; ')}` : ''}`),
    section: (title, text) => log(`${title}\n${text}`),
  };
}

async function loadInput(scenario: string | ScenarioInput): Promise<LoadedScenario> {
  if (typeof scenario === 'string') return loadScenario(scenario);
  // An object is checked as a file holding it would be, programs found from the working folder.
  const file = resolve(`${scenario.name ?? 'scenario'}.object.yaml`);
  const checked = checkScenarioText(file, Buffer.from(stringify(scenario)));
  if (!checked.ok) throw new ScenarioError(checked.issues);
  return checked.loaded;
}

export class Lab implements AsyncDisposable {
  private down_: Promise<void> | undefined;
  private started = 0;

  private constructor(
    private readonly session: LabSession,
    private readonly loaded: LoadedScenario,
    private readonly reporter: Reporter,
  ) {}

  /** Brings a lab up: its networks and hosts, nothing of its steps. Fails with a ScenarioError on a bad scenario. */
  static async up(scenario: string | ScenarioInput, options: LabOptions = {}): Promise<Lab> {
    const loaded = await loadInput(scenario);
    const { runtime, image } = await prepareEngine(() => undefined, options.signal);
    const reporter = options.log ? lineReporter(options.log) : new RecordingReporter(undefined, { events: 0, chars: 0 });
    const session = await bringUp({
      runtime,
      loaded,
      image,
      reporter,
      signal: options.signal,
      ...(options.name ? { labName: options.name } : {}),
      ...(options.outputRoot ? { outputRoot: options.outputRoot } : {}),
    });
    return new Lab(session, loaded, reporter);
  }

  private get handle(): LabHandle {
    return this.session.lab;
  }

  /** The run id: every engine object of the lab carries it in the label socklab.run. */
  get runId(): string {
    return this.handle.runId;
  }

  get hosts(): string[] {
    return this.handle.hosts.map((host) => host.name);
  }

  /** The folder of this lab's output: programs' output, captures. */
  get outputDir(): string {
    return this.session.outputDir;
  }

  /** Runs a command in a host (a shell line, or an argument list), as root, to its end or `timeoutMs` (default 30 s). */
  async exec(host: string, command: string | string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const script = Array.isArray(command) ? command.map(shellQuote).join(' ') : command;
    const result = await this.handle.inHost(host).command(script, { timeoutMs: options.timeoutMs ?? 30_000 });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut };
  }

  /** The host's sockets as netstat shows them, read into rows (Docker's resolver left out). */
  async netstat(host: string): Promise<SocketRecord[]> {
    const result = await this.handle.inHost(host).command(PARSEABLE.sockets);
    return parseNetstat(withoutResolverSockets(result.stdout, 'netstat').text);
  }

  /**
   * Starts a program in the background: a .ts, .js or .py file (relative to the scenario's
   * folder, or one of socklab's programs/), or `{ command }`. Resolves once it runs (and is
   * ready, with `waitFor`); returns its id for `stop`.
   */
  async start(host: string, program: string | { command: string | string[] }, options: StartOptions = {}): Promise<string> {
    const id = options.id ?? `lib-${host}-${++this.started}`;
    const ref: StartStep['program'] =
      typeof program === 'string'
        ? { kind: 'file', written: program, location: resolveProgramPath(program, this.loaded.dir) }
        : Array.isArray(program.command)
          ? { kind: 'argv', argv: program.command }
          : { kind: 'shell', script: program.command };
    if (ref.kind === 'file') {
      if (ref.location.kind !== 'found') throw new Error(`program '${program as string}' was not found beside the scenario or in socklab's programs`);
      const prepared = await this.session.programs.prepare(ref);
      await this.handle.copyFiles(host, [{ path: prepared.pathInHost, content: prepared.content, mode: 0o755 }]);
    }
    const waitFor = options.waitFor;
    const step: StartStep = {
      kind: 'start',
      at: ['library'],
      host,
      id,
      program: ref,
      programAndCommand: false,
      args: (options.args ?? []).map(String),
      env: options.env ?? {},
      ...(waitFor !== undefined
        ? {
            waitFor:
              typeof waitFor === 'string'
                ? { text: { contains: waitFor }, protocol: 'tcp' as const }
                : { port: waitFor.port, protocol: waitFor.protocol ?? 'tcp' },
          }
        : {}),
      timeoutMs: options.timeoutMs ?? STEP_DEFAULTS.waitForMs,
      timeoutWritten: options.timeoutMs !== undefined,
    };
    await this.session.runner.runAll([step], 'library ');
    return id;
  }

  /** Stops a started program (its whole process group): SIGTERM, then SIGKILL after 5 s. */
  async stop(id: string): Promise<void> {
    await this.session.runner.runAll([{ kind: 'stop', at: ['library'], id, signal: 'SIGTERM' }], 'library ');
  }

  /** What a started program printed so far on standard output (the first 256 MB at most). */
  async output(id: string): Promise<string> {
    return readFile(resolve(this.outputDir, 'programs', `${id}.out`), 'utf8').catch(() => '');
  }

  /**
   * Captures packets on `host` (every interface, or those on `networks`) while `during`
   * runs; returns the pcaps (in the output folder) with their first lines and counts.
   */
  async capture<T>(
    host: string,
    during: () => Promise<T>,
    options: { networks?: string[]; filter?: string } = {},
  ): Promise<{ value: T; captures: CaptureResult[] }> {
    const capture = await Capture.start(this.handle, host, { ...options, idPrefix: `lib-capture-${host}-${++this.started}` });
    // Collected even when `during` throws (the capture shows why), then the error goes on.
    const value = await during().catch(async (error: unknown) => {
      await capture.stop(this.outputDir).catch(() => undefined);
      throw error;
    });
    return { value, captures: await capture.stop(this.outputDir) };
  }

  /** Removes the lab (once; later calls wait for the first). */
  down(): Promise<void> {
    this.down_ ??= (async () => {
      await takeDown(this.session, this.reporter);
    })();
    return this.down_;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }
}
