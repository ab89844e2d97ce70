// An in-memory lab host for fast tests of what runs on top of the in-host API (step running,
// expectations, captures): programs are scripted (what they print, how and when they end,
// which signals they ignore) and commands are answered by a function. It never stands in
// for the real host in e2e tests.
import type { OutputSink } from '../runtime/runtime.js';
import { formatSeconds } from '../util/abort.js';
import { parseEnd, type HostProgram, type ProgramEnd } from './contract.js';
import type { CommandOptions, CommandResult, InHost, OutputSinks, RunResult, StartOptions, StopResult } from './in-host.js';

export interface ScriptedProgram {
  /** Printed at start, in order. */
  stdout?: (string | Buffer)[];
  stderr?: (string | Buffer)[];
  /** How it ends by itself; never, when absent (until a signal ends it). */
  end?: ProgramEnd;
  /** Signals it ignores (SIGTERM for a program that traps it). */
  ignores?: string[];
}

interface FakeProcess {
  id: string;
  argv: string[];
  script: ScriptedProgram;
  stdout: Buffer[];
  stderr: Buffer[];
  end?: ProgramEnd;
  background: boolean;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export class FakeInHost implements InHost {
  readonly calls: string[] = [];
  readonly processes = new Map<string, FakeProcess>();
  /** Files of the host (a capture's pcap), for readFile. */
  readonly files = new Map<string, Buffer>();

  constructor(
    readonly host: string,
    private readonly options: {
      /** The script of a program, by its command line. */
      program?: (argv: string[]) => ScriptedProgram;
      /** The answer to one of socklab's commands; undefined: exit 0, no output. */
      command?: (script: string, options: CommandOptions) => Partial<CommandResult> | undefined;
    } = {},
  ) {}

  async command(script: string, options: CommandOptions = {}): Promise<CommandResult> {
    this.calls.push(`command ${script}`);
    options.signal?.throwIfAborted();
    const answer = { exitCode: 0, stdout: '', stderr: '', timedOut: false, truncated: false, ...this.options.command?.(script, options) };
    if (options.sink && answer.stdout) {
      await options.sink(Buffer.from(answer.stdout));
      return { ...answer, stdout: '' };
    }
    return answer;
  }

  private launch(id: string, argv: string[], background: boolean): FakeProcess {
    const script = this.options.program?.(argv) ?? { end: { code: 0 } };
    const toBuffers = (chunks: (string | Buffer)[] | undefined) => (chunks ?? []).map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    const process: FakeProcess = { id, argv, script, stdout: toBuffers(script.stdout), stderr: toBuffers(script.stderr), end: script.end, background };
    this.processes.set(id, process);
    return process;
  }

  async start(id: string, argv: string[], options: StartOptions = {}): Promise<void> {
    this.calls.push(`start ${id} ${argv.join(' ')}${options.own ? ' (own)' : ''}`);
    options.signal?.throwIfAborted();
    this.launch(id, argv, true);
  }

  async follow(id: string, sinks: OutputSinks, signal: AbortSignal): Promise<void> {
    const process = this.mustFind(id);
    for (const chunk of process.stdout) await sinks.stdout(chunk);
    for (const chunk of process.stderr) await sinks.stderr(chunk);
    if (signal.aborted) return;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  async outputSizes(id: string): Promise<{ stdout: number; stderr: number }> {
    const process = this.mustFind(id);
    const size = (chunks: Buffer[]) => chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    return { stdout: size(process.stdout), stderr: size(process.stderr) };
  }

  async readFile(path: string, sink: OutputSink): Promise<boolean> {
    this.calls.push(`readFile ${path}`);
    const content = this.files.get(path);
    if (!content) return false;
    await sink(content);
    return true;
  }

  private mustFind(id: string): FakeProcess {
    const process = this.processes.get(id);
    if (!process) throw new Error(`no program '${id}' on fake host '${this.host}'`);
    return process;
  }

  private view(process: FakeProcess): HostProgram {
    return { id: process.id, running: process.end === undefined, ...(process.end ? { end: process.end } : {}), command: process.argv.join(' ') };
  }

  async status(id: string): Promise<HostProgram | undefined> {
    const process = this.processes.get(id);
    return process && this.view(process);
  }

  async list(): Promise<HostProgram[]> {
    return [...this.processes.values()].filter((process) => process.background).map((process) => this.view(process));
  }

  async signal(id: string, signal: string): Promise<void> {
    this.calls.push(`signal ${id} ${signal}`);
    const process = this.mustFind(id);
    if (process.end || (signal !== 'SIGKILL' && process.script.ignores?.includes(signal))) return;
    process.end = parseEnd(String(128 + (SIGNAL_NUMBERS[signal] ?? 15)));
  }

  async stop(id: string, options: { signal: string; graceMs: number }): Promise<StopResult> {
    const process = this.mustFind(id);
    if (process.end) return { end: process.end, sent: [], alreadyEnded: true };
    await this.signal(id, options.signal);
    if (process.end) return { end: process.end, sent: [options.signal], alreadyEnded: false };
    await this.signal(id, 'SIGKILL');
    return { end: process.end, sent: [options.signal, 'SIGKILL'], alreadyEnded: false };
  }

  async waitForExit(id: string): Promise<ProgramEnd | undefined> {
    return this.mustFind(id).end;
  }

  /** Runs made ready ahead, by id (what a real host would have waiting at its gate). */
  readonly readied = new Map<string, string[]>();
  /** The ids of the runs that ran as they were made ready. */
  readonly ranReady: string[] = [];

  readyRun(id: string, argv: string[]): void {
    this.readied.set(id, argv);
  }

  dropReadyRuns(): void {
    this.readied.clear();
  }

  async runToCompletion(id: string, argv: string[], options: { timeoutMs: number; sinks: OutputSinks; signal?: AbortSignal }): Promise<RunResult> {
    if (this.readied.get(id)?.join('\0') === argv.join('\0')) this.ranReady.push(id);
    this.readied.delete(id);
    this.calls.push(`run ${id} ${argv.join(' ')}`);
    options.signal?.throwIfAborted();
    const process = this.launch(id, argv, false);
    for (const chunk of process.stdout) await options.sinks.stdout(chunk);
    for (const chunk of process.stderr) await options.sinks.stderr(chunk);
    if (process.end) return { end: process.end, timedOut: false };
    // A program that does not end by itself runs into its time limit.
    this.calls.push(`timeout ${id} after ${formatSeconds(options.timeoutMs)}`);
    return { timedOut: true, stop: await this.stop(id, { signal: 'SIGTERM', graceMs: 0 }) };
  }
}
