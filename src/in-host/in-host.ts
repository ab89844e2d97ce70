// The typed API over the in-container contract (contract.ts): start a program, signal or
// stop its whole process group, read its status, follow or read its output, run one to
// completion, and run socklab's own commands, each bounded in time. It takes a runtime and
// a container, so step running, expectations and captures can be tested against a fake of
// it (fake-in-host.ts) without an engine.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ExecResult, InteractiveExecOptions, OutputSink, Runtime } from '../runtime/runtime.js';
import { deadline, formatSeconds, orLate, poll } from '../util/abort.js';
import { crowd } from '../util/crowd.js';
import { HostAgent } from './agent.js';
import {
  DROP_NETWORK_PRIVILEGES,
  GATE_OPEN,
  LAUNCHER_IN_HOST,
  LIST_PROGRAMS_SCRIPT,
  RUN_DIR_IN_HOST,
  followScript,
  parseEnd,
  parsePrograms,
  programStatusScript,
  shellQuote,
  signalGroupScript,
  stopFollowingScript,
  type HostProgram,
  type ProgramEnd,
} from './contract.js';

export interface OutputSinks {
  stdout: OutputSink;
  stderr: OutputSink;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** It ran past its deadline and was killed. */
  timedOut: boolean;
  /** Output beyond the kept size was dropped. */
  truncated: boolean;
}

export interface CommandOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A command the scenario wrote (an observe `command:`): run with a user program's privileges. */
  asUser?: boolean;
  /** Streams the standard output here instead of keeping it (a decoded capture). */
  sink?: OutputSink;
}

export interface StartOptions {
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** socklab's own program (tcpdump): it keeps the host's privileges. */
  own?: boolean;
}

export interface StopResult {
  /** How it ended; undefined if even SIGKILL left it running (a stuck process). */
  end?: ProgramEnd;
  /** The signals sent, in order (the second is SIGKILL when the first was not enough). */
  sent: string[];
  /** It had ended before anything was sent. */
  alreadyEnded: boolean;
}

export interface RunResult {
  end?: ProgramEnd;
  /** Ran past its time limit; `stop` says how it was stopped. */
  timedOut: boolean;
  stop?: StopResult;
}

/** What socklab does with programs and commands in one lab host. */
/** The reason to abort a `follow` with when the host is about to be removed. */
export const HOST_GOING = 'the host is about to be removed';

export interface InHost {
  /** The host's name in the scenario, for messages. */
  readonly host: string;
  /** One of socklab's own commands (setup, observation, listing): bounded in time and in output. */
  command(script: string, options?: CommandOptions): Promise<CommandResult>;
  /** Starts a background program; its output goes to files in the host. */
  start(id: string, argv: string[], options?: StartOptions): Promise<void>;
  /** Streams a background program's output from its first byte until `signal` aborts. */
  /** Streams a program's output until `signal` aborts (with HOST_GOING: the host is about to be removed, nothing to tidy in it). */
  follow(id: string, sinks: OutputSinks, signal: AbortSignal): Promise<void>;
  /** Bytes the program has written to each output so far. */
  outputSizes(id: string, signal?: AbortSignal): Promise<{ stdout: number; stderr: number }>;
  /** Streams a file of the host (a whole program output, a capture); false when it is absent. */
  readFile(path: string, sink: OutputSink, signal?: AbortSignal): Promise<boolean>;
  status(id: string, signal?: AbortSignal): Promise<HostProgram | undefined>;
  /** Every background program of the host. */
  list(signal?: AbortSignal): Promise<HostProgram[]>;
  /** Sends a signal to the program's whole process group. */
  signal(id: string, signal: string, abort?: AbortSignal): Promise<void>;
  /** Signals the group, and after `graceMs` without an end, kills it. */
  stop(id: string, options: { signal: string; graceMs: number; abort?: AbortSignal }): Promise<StopResult>;
  waitForExit(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ProgramEnd | undefined>;
  /** Runs a program with its output streamed to `sinks`; past `timeoutMs` its group is stopped. */
  runToCompletion(
    id: string,
    argv: string[],
    options: { env?: Record<string, string>; timeoutMs: number; graceMs?: number; sinks: OutputSinks; signal?: AbortSignal },
  ): Promise<RunResult>;
  /**
   * Makes a run ready ahead of its turn (while the step before it goes on), so that its
   * runToCompletion, with the same id, command and environment, starts at once; nothing
   * runs until then. A host may ignore it.
   */
  readyRun(id: string, argv: string[], env?: Record<string, string>): void;
  /** Lets go of the runs made ready that did not run: nothing of them ever starts. */
  dropReadyRuns(): void;
}

/** socklab's own commands in a host; longer while this process has many labs coming up or down (util/crowd.ts). */
const DEFAULT_COMMAND_MS = 10_000;
/** Beyond a command's own deadline (enforced in the host by `timeout`), the wait for its stream. */
const STREAM_SLACK_MS = 5_000;
const KILL_WAIT_MS = 5_000;
/** A signal not delivered from inside the host by then is sent from outside as well. */
const SLOW_SIGNAL_MS = 2_000;

export interface HostProcessesOptions {
  /** The host's name in the scenario. */
  host: string;
  /** User programs lose the network privileges (every host but routers). */
  restricted: boolean;
  /**
   * Runs a script in the host's process namespace but outside its limits (a helper
   * container): how a signal still gets there when the host has no room for one more
   * process (a fork storm at its pids limit).
   */
  fromOutside?: (script: string) => Promise<{ exitCode: number; stderr: string }>;
}

/** How long a run made ready may take to end once let go of, before its exec is cut. */
const DROPPED_RUN_MS = 5_000;

/**
 * A run's exec made ahead of its turn: the launcher waits at its gate (`launch -g`, a line
 * on its input) while the engine's work of an exec (some 50 to 150 ms) is done meanwhile.
 * Its output goes to the run's sinks once it is let through; until then there is none.
 */
class ReadyRun {
  private readonly gate = new PassThrough();
  private readonly cut = new AbortController();
  private sinks?: OutputSinks;
  private settled = false;
  readonly result: Promise<ExecResult>;

  constructor(
    runtime: Runtime,
    container: string,
    command: string[],
    private readonly argv: string[],
    private readonly env: Record<string, string> | undefined,
  ) {
    const to = (stream: keyof OutputSinks) => (chunk: Buffer) => this.sinks?.[stream](chunk);
    this.result = runtime.exec(container, command, { env, stdin: this.gate, stdout: to('stdout'), stderr: to('stderr'), signal: this.cut.signal });
    this.result.then(
      () => (this.settled = true),
      () => (this.settled = true),
    );
  }

  /** Whether it is this very command and can still be let through (its exec has not ended or failed meanwhile). */
  waitsFor(argv: string[], env: Record<string, string> | undefined): boolean {
    return !this.settled && JSON.stringify([argv, env ?? {}]) === JSON.stringify([this.argv, this.env ?? {}]);
  }

  /** Starts the program; resolves as runtime.exec would, and rejects with `signal`'s reason when it aborts. */
  go(sinks: OutputSinks, signal: AbortSignal): Promise<ExecResult> {
    this.sinks = sinks;
    const onAbort = () => this.cut.abort(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.gate.write(`${GATE_OPEN}\n`);
    return this.result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Closes the gate: the launcher ends without starting anything (its exec is cut if it does not). */
  drop(): void {
    this.result.catch(() => undefined);
    // A word, not only the input's end, which the engine may lose when it comes this early.
    this.gate.end('no\n');
    setTimeout(() => this.cut.abort(), DROPPED_RUN_MS).unref();
  }
}

/** The in-host API over a runtime: each call is one or a few commands in the container. */
export class HostProcesses implements InHost {
  readonly host: string;
  private readonly restricted: boolean;
  private readonly fromOutside?: HostProcessesOptions['fromOutside'];
  private readonly agent: HostAgent;
  private readonly readyRuns = new Map<string, ReadyRun>();

  constructor(
    private readonly runtime: Runtime,
    readonly container: string,
    options: HostProcessesOptions,
  ) {
    this.host = options.host;
    this.restricted = options.restricted;
    this.fromOutside = options.fromOutside;
    this.agent = new HostAgent(runtime, container);
  }

  /** The host's agent as its own first process runs it once set up (see HostAgent.fromHostStart). */
  agentFromHostStart(): ReturnType<HostAgent['fromHostStart']> {
    return this.agent.fromHostStart();
  }

  /** Closes the host's agent (one still opening included): before the lab goes, or when a process that goes on is done with it. */
  close(): void {
    this.agent.close();
  }

  private file(id: string, kind: 'out' | 'err' | 'pid' | 'exit' | 'cmd'): string {
    return `${RUN_DIR_IN_HOST}/${id}.${kind}`;
  }

  async command(script: string, options: CommandOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? crowd.stretchNow(DEFAULT_COMMAND_MS);
    const seconds = Math.ceil(timeoutMs / 1000);
    const asUser = (options.asUser ?? false) && this.restricted;
    // `timeout` kills the command's whole process group in the host when its time is up;
    // the stream's own deadline is the guard in case the host itself does not answer.
    const privileges = asUser ? DROP_NETWORK_PRIVILEGES : [];
    const argv = ['timeout', '-s', 'KILL', `${seconds}s`, ...privileges, 'sh', '-c', script];
    const limit = deadline(timeoutMs + STREAM_SLACK_MS, `a command on host '${this.host}'`, options.signal);
    try {
      // Streamed output (a decoded capture) needs an exec of its own; the rest goes through the agent when it is free.
      const answer = options.sink ? undefined : await this.agent.run(script, { seconds, asUser, signal: limit.signal });
      if (answer) return { ...answer, timedOut: answer.exitCode === 137 };
      const result = await this.runtime.exec(this.container, argv, { signal: limit.signal, stdout: options.sink });
      return {
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        timedOut: result.exitCode === 137,
        truncated: result.truncated ?? false,
      };
    } catch (error) {
      if (!limit.expired) throw error;
      // Whatever did not answer in time, the agent is not trusted with the next command.
      this.agent.abandon();
      return { exitCode: -1, stdout: '', stderr: '', timedOut: true, truncated: false };
    } finally {
      limit.dispose();
    }
  }

  /** A command whose failure is an error (listing, signalling): its stdout. */
  private async must(script: string, what: string, signal?: AbortSignal): Promise<string> {
    const timeoutMs = crowd.stretchNow(DEFAULT_COMMAND_MS);
    const result = await this.command(script, { signal, timeoutMs });
    if (result.exitCode !== 0) {
      const why = result.timedOut
        ? `no answer within ${formatSeconds(timeoutMs)}`
        : `exit ${result.exitCode}: ${(result.stderr || result.stdout).trim().slice(-300)}`;
      throw new Error(`${what} on host '${this.host}' failed (${why})`);
    }
    return result.stdout;
  }

  private launcher(id: string, options: { background: boolean; own?: boolean; gated?: boolean }): string[] {
    const restricted = this.restricted && !options.own;
    return [LAUNCHER_IN_HOST, ...(options.background ? ['-b'] : []), ...(restricted ? ['-r'] : []), ...(options.gated ? ['-g'] : []), id];
  }

  async start(id: string, argv: string[], options: StartOptions = {}): Promise<void> {
    const launch = [...this.launcher(id, { background: true, own: options.own }), ...argv];
    // Through the agent, the launcher goes on in the background once the command returns (it
    // stays outside the command's deadline: `timeout` only acts on what is still running).
    const env = Object.entries(options.env ?? {}).map(([key, value]) => shellQuote(`${key}=${value}`));
    const script = `${env.length > 0 ? `env ${env.join(' ')} ` : ''}${launch.map(shellQuote).join(' ')} > /dev/null 2>&1 &`;
    const answer = await this.agent.run(script, { seconds: 10, asUser: false, signal: options.signal });
    if (answer?.exitCode === 0) return;
    if (answer) throw new Error(`starting '${id}' on host '${this.host}' failed (exit ${answer.exitCode}: ${answer.stderr.trim().slice(-300)})`);
    await this.runtime.execDetached(this.container, launch, options);
  }

  async follow(id: string, sinks: OutputSinks, signal: AbortSignal): Promise<void> {
    const files = [this.file(id, 'out'), this.file(id, 'err')];
    await this.runtime
      .exec(this.container, ['sh', '-c', followScript(files[0]!, files[1]!)], { signal, stdout: sinks.stdout, stderr: sinks.stderr })
      .catch(() => undefined);
    // The engine leaves an exec'd process running when its stream is closed: without this,
    // every followed program would leave two `tail`s in its host (unless the host is going).
    if (signal.reason === HOST_GOING) return;
    await this.command(stopFollowingScript(files), { timeoutMs: 5_000 }).catch(() => undefined);
  }

  async outputSizes(id: string, signal?: AbortSignal): Promise<{ stdout: number; stderr: number }> {
    const text = await this.must(`stat -c %s '${this.file(id, 'out')}' '${this.file(id, 'err')}' 2>/dev/null; true`, 'reading output sizes', signal);
    const [stdout = 0, stderr = 0] = text.trim().split('\n').map(Number);
    return { stdout: stdout || 0, stderr: stderr || 0 };
  }

  async readFile(path: string, sink: OutputSink, signal?: AbortSignal): Promise<boolean> {
    const result = await this.runtime.exec(this.container, ['sh', '-c', `[ -f ${shellQuote(path)} ] || exit 3; exec cat ${shellQuote(path)}`], {
      signal,
      stdout: sink,
      maxBytes: 4096,
    });
    if (result.exitCode === 3) return false;
    if (result.exitCode !== 0) throw new Error(`reading ${path} on host '${this.host}' failed: ${result.stderr.trim()}`);
    return true;
  }

  async status(id: string, signal?: AbortSignal): Promise<HostProgram | undefined> {
    return parsePrograms(await this.must(programStatusScript(id), `reading the state of '${id}'`, signal))[0];
  }

  async list(signal?: AbortSignal): Promise<HostProgram[]> {
    return parsePrograms(await this.must(LIST_PROGRAMS_SCRIPT, 'listing the programs', signal));
  }

  /**
   * Signals from inside the host; when that fails or is slow (a host at its pids limit has no
   * room for the `kill`, and answers late), from outside too. A signal can then arrive twice,
   * which only a host that busy ever sees.
   */
  async signal(id: string, signal: string, abort?: AbortSignal): Promise<void> {
    const name = signal.replace(/^SIG/, '');
    const inside = this.command(signalGroupScript(id, name), { signal: abort, timeoutMs: 5_000 }).then(
      (result) => (result.exitCode === 0 ? 'sent' : `exit ${result.exitCode}: ${result.stderr.trim().slice(-300)}`),
      (error: Error) => error.message,
    );
    if ((await orLate(inside, SLOW_SIGNAL_MS, 'slow')) === 'sent') return;
    abort?.throwIfAborted();
    const outside = this.fromOutside ? await this.fromOutside(signalGroupScript(id, name, '/proc/1/root')).catch(() => undefined) : undefined;
    if (outside?.exitCode === 0 || (await inside) === 'sent') return;
    throw new Error(`sending ${signal} to '${id}' on host '${this.host}' failed (${await inside})`);
  }

  async waitForExit(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ProgramEnd | undefined> {
    return poll(async () => (await this.statusIfAnswered(id, signal))?.end, { timeoutMs, intervalMs: 100, signal });
  }

  /** The program's status, or undefined when the host is too busy to say (a fork storm): ask again later. */
  private statusIfAnswered(id: string, signal?: AbortSignal): Promise<HostProgram | undefined> {
    return this.status(id, signal).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      return undefined;
    });
  }

  async stop(id: string, options: { signal: string; graceMs: number; abort?: AbortSignal }): Promise<StopResult> {
    // A host too busy to tell is treated as running: the signal goes (from outside if need be).
    const before = await this.statusIfAnswered(id, options.abort);
    if (before && !before.running) return { end: before.end, sent: [], alreadyEnded: true };
    const sent = [options.signal];
    await this.signal(id, options.signal, options.abort);
    let end = await this.waitForExit(id, options.graceMs, options.abort);
    if (!end && options.signal !== 'SIGKILL') {
      sent.push('SIGKILL');
      await this.signal(id, 'SIGKILL', options.abort);
      end = await this.waitForExit(id, KILL_WAIT_MS, options.abort);
    }
    return { end, sent, alreadyEnded: false };
  }

  async runToCompletion(
    id: string,
    argv: string[],
    options: { env?: Record<string, string>; timeoutMs: number; graceMs?: number; sinks: OutputSinks; signal?: AbortSignal },
  ): Promise<RunResult> {
    const ready = this.takeReadyRun(id, argv, options.env);
    const limit = deadline(options.timeoutMs, `'${id}' on host '${this.host}'`, options.signal);
    try {
      const result = ready
        ? await ready.go(options.sinks, limit.signal)
        : await this.runtime.exec(this.container, [...this.launcher(id, { background: false }), ...argv], {
            env: options.env,
            signal: limit.signal,
            stdout: options.sinks.stdout,
            stderr: options.sinks.stderr,
          });
      // Only a kill needs the exit file: it tells the memory limit from other killers.
      const end = result.exitCode === 137 ? ((await this.status(id, options.signal))?.end ?? parseEnd('137')) : parseEnd(String(result.exitCode));
      return { end, timedOut: false };
    } catch (error) {
      // Past its time, or interrupted: the program goes on in the host unless its group is stopped.
      if (limit.expired) {
        const stop = await this.stop(id, { signal: 'SIGTERM', graceMs: options.graceMs ?? 2_000 }).catch(() => undefined);
        return { end: stop?.end, timedOut: true, stop };
      }
      // Interrupted: the lab is going down; kill the group without waiting for it.
      void this.signal(id, 'SIGKILL').catch(() => undefined);
      throw error;
    } finally {
      limit.dispose();
    }
  }

  readyRun(id: string, argv: string[], env?: Record<string, string>): void {
    this.readyRuns.get(id)?.drop();
    const command = [...this.launcher(id, { background: false, gated: true }), ...argv];
    this.readyRuns.set(id, new ReadyRun(this.runtime, this.container, command, argv, env));
  }

  dropReadyRuns(): void {
    for (const ready of this.readyRuns.values()) ready.drop();
    this.readyRuns.clear();
  }

  /** The run made ready for this very command, if it still waits at its gate; any other is dropped. */
  private takeReadyRun(id: string, argv: string[], env?: Record<string, string>): ReadyRun | undefined {
    const ready = this.readyRuns.get(id);
    if (!ready) return undefined;
    this.readyRuns.delete(id);
    if (ready.waitsFor(argv, env)) return ready;
    ready.drop();
    return undefined;
  }

  /**
   * A foreground command of the CLI (`socklab exec`, `logs -f`): output to `sinks`, and a
   * way to signal its whole group in the host, for Ctrl+C. Its files are removed at the end.
   */
  foreground(argv: string[], sinks: OutputSinks, options: { asUser: boolean; env?: Record<string, string> }): ForegroundCommand {
    const id = `.fg-${randomBytes(4).toString('hex')}`;
    const launcher = [LAUNCHER_IN_HOST, ...(options.asUser && this.restricted ? ['-r'] : []), id];
    const done = this.runtime
      .exec(this.container, [...launcher, ...argv], { env: options.env, stdout: sinks.stdout, stderr: sinks.stderr })
      .then(async (result) => {
        await this.command(`rm -f ${RUN_DIR_IN_HOST}/${id}.*`, { timeoutMs: 5_000 }).catch(() => undefined);
        return result.exitCode;
      });
    return { done, signal: (name: string) => this.signal(id, name) };
  }

  /** An interactive shell (bash when the image has it, else sh) with a user's privileges; resolves to its exit code. */
  interactiveShell(options: InteractiveExecOptions): Promise<number> {
    const shell = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];
    return this.runtime.execInteractive(this.container, this.restricted ? [...DROP_NETWORK_PRIVILEGES, ...shell] : shell, options);
  }
}

export interface ForegroundCommand {
  /** The command's exit code, once it has ended and its output has been delivered. */
  readonly done: Promise<number>;
  /** Sends a signal (INT, TERM, KILL...) to the command's process group in the host. */
  signal(name: string): Promise<void>;
}

/** Waits until a follow has delivered `sizes` bytes; false when the time ran out first. */
export async function caughtUp(
  delivered: () => { stdout: number; stderr: number },
  sizes: { stdout: number; stderr: number },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const done = () => delivered().stdout >= sizes.stdout && delivered().stderr >= sizes.stderr;
  return (await poll(async () => (done() ? true : undefined), { timeoutMs, intervalMs: 10, signal })) === true;
}
