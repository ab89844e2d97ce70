// Programs running in lab hosts. A background program is started detached with its output
// in files under /lab/run/ in the host, so it outlives the CLI (`socklab up`, then `logs`)
// and its whole output can be read back at any time; the CLI follows those files live.
import type { Lab } from './lab.js';
import type { ExecResult } from '../runtime/runtime.js';
import { FOLLOW_COMMAND } from '../observe/commands.js';

export const RUN_DIR_IN_HOST = '/lab/run';
export const LAUNCHER_IN_HOST = '/lab/bin/launch';

/**
 * The launcher of background programs, installed in every host at setup. A file rather than
 * an inline `sh -c` script, so `ps` shows `/bin/sh /lab/bin/launch ID node ...`.
 * Files per program id: .cmd (its command line), .out, .err, .pid, .exit.
 */
export const LAUNCHER_SCRIPT = `#!/bin/sh
# socklab: runs a program in the background, its output and exit code kept in ${RUN_DIR_IN_HOST}/
id=$1; shift
run=${RUN_DIR_IN_HOST}
mkdir -p "$run"
printf '%s\\n' "$*" > "$run/$id.cmd"
# A background job of a non-interactive shell starts with SIGINT and SIGQUIT ignored
# (POSIX); reset them so Ctrl+C semantics (stop: SIGINT) reach the program, as in a terminal.
env --default-signal=INT,QUIT "$@" > "$run/$id.out" 2> "$run/$id.err" &
echo $! > "$run/$id.pid"
wait $!
echo $? > "$run/$id.exit"
`;

/** Splits a byte stream into lines, holding a partial last line until it is complete. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }
  flush(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

export interface OutputSink {
  (stream: 'stdout' | 'stderr', line: string): void;
}

export class BackgroundProgram {
  private stdoutSeen = '';
  /** Bytes of each output file the live follow has delivered. */
  private readonly bytesSeen = { stdout: 0, stderr: 0 };
  private following: AbortController | undefined;

  private constructor(
    readonly lab: Lab,
    readonly host: string,
    readonly id: string,
    readonly argv: string[],
  ) {}

  get files() {
    const base = `${RUN_DIR_IN_HOST}/${this.id}`;
    return { out: `${base}.out`, err: `${base}.err`, pid: `${base}.pid`, exit: `${base}.exit`, cmd: `${base}.cmd` };
  }

  /** Starts argv in the host, detached; output goes to files the CLI can follow. */
  static async start(lab: Lab, host: string, id: string, argv: string[], env: Record<string, string>) {
    const program = new BackgroundProgram(lab, host, id, argv);
    const files = program.files;
    // Detached exec of the launcher (installed by the lab's setup): it keeps the program's
    // output and exit code in /lab/run/ after the CLI has gone.
    await lab.runtime.execDetached(lab.host(host).container, [LAUNCHER_IN_HOST, id, ...argv], { env });
    return program;
  }

  /** Streams new output lines to `sink` until stopFollowing() (or the host goes away). */
  follow(sink: OutputSink): void {
    this.following = new AbortController();
    const signal = this.following.signal;
    const tail = (stream: 'stdout' | 'stderr', file: string) => {
      const splitter = new LineSplitter((line) => sink(stream, line));
      this.lab
        .exec(this.host, ['sh', '-c', `echo $$ > ${file}.follower; exec "$@"`, 'sh', ...FOLLOW_COMMAND, file], {
          signal,
          onStdout: (chunk) => {
            if (stream === 'stdout') this.stdoutSeen += chunk.toString();
            this.bytesSeen[stream] += chunk.length;
            splitter.push(chunk);
          },
        })
        .catch(() => undefined)
        .finally(() => splitter.flush());
    };
    tail('stdout', this.files.out);
    tail('stderr', this.files.err);
  }

  stopFollowing(): void {
    if (!this.following || this.following.signal.aborted) return;
    this.following.abort();
    // The engine leaves an exec'd process running when its stream is closed: without this,
    // every followed program would leave two `tail`s in its host (seen in `socklab ps` after `up`).
    const pidFiles = `${this.files.out}.follower ${this.files.err}.follower`;
    void this.lab.exec(this.host, ['sh', '-c', `kill $(cat ${pidFiles} 2>/dev/null) 2>/dev/null; rm -f ${pidFiles}`]).catch(() => undefined);
  }

  get isFollowed(): boolean {
    return this.following !== undefined && !this.following.signal.aborted;
  }

  /**
   * Waits (briefly) until the live follow has delivered everything the program has written
   * so far, so its lines print before the next step's heading rather than after it.
   */
  async catchUp(timeoutMs = 500): Promise<void> {
    if (!this.isFollowed) return;
    const sizes = await this.lab.exec(this.host, ['stat', '-c', '%s', this.files.out, this.files.err]);
    const [out, err] = sizes.stdout.trim().split('\n').map(Number);
    const deadline = Date.now() + timeoutMs;
    while ((this.bytesSeen.stdout < (out ?? 0) || this.bytesSeen.stderr < (err ?? 0)) && Date.now() < deadline) {
      await sleep(10);
    }
  }

  /** The standard output followed so far (what `wait_for` looks at). */
  get followedStdout(): string {
    return this.stdoutSeen;
  }

  async exitCode(): Promise<number | undefined> {
    const result = await this.lab.exec(this.host, ['cat', this.files.exit]);
    return result.exitCode === 0 && result.stdout.trim() !== '' ? Number(result.stdout.trim()) : undefined;
  }

  async signal(signal: string): Promise<void> {
    const name = signal.replace(/^SIG/, '');
    await this.lab.exec(this.host, ['sh', '-c', `kill -s ${name} "$(cat ${this.files.pid})" 2>/dev/null || true`]);
  }

  /** Waits up to timeoutMs for the program to exit; undefined if it is still running. */
  async waitForExit(timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const code = await this.exitCode();
      if (code !== undefined || Date.now() >= deadline) return code;
      signal?.throwIfAborted();
      await sleep(100);
    }
  }

  /** Everything the program has written so far, read from its files. */
  async output(): Promise<ExecResult> {
    const [out, err, code] = await Promise.all([
      this.lab.exec(this.host, ['cat', this.files.out]),
      this.lab.exec(this.host, ['cat', this.files.err]),
      this.exitCode(),
    ]);
    return { stdout: out.stdout, stderr: err.stdout, exitCode: code ?? -1 };
  }
}

/**
 * Runs argv in a host to completion. A pid file lets a timeout or Ctrl+C kill the program
 * itself (ending the exec stream alone would leave it running in the host).
 */
export async function runToCompletion(
  lab: Lab,
  host: string,
  id: string,
  argv: string[],
  options: { env: Record<string, string>; timeoutMs: number; sink: OutputSink; signal?: AbortSignal },
): Promise<ExecResult & { timedOut: boolean }> {
  const pidFile = `${RUN_DIR_IN_HOST}/${id}.pid`;
  const script = `mkdir -p ${RUN_DIR_IN_HOST}; echo $$ > ${pidFile}; exec "$@"`;
  const out = new LineSplitter((line) => options.sink('stdout', line));
  const err = new LineSplitter((line) => options.sink('stderr', line));
  // Kept here too, so a run that times out still reports what it printed.
  let stdout = '';
  let stderr = '';
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const result = await lab.exec(host, ['sh', '-c', script, 'sh', ...argv], {
      env: options.env,
      signal,
      onStdout: (chunk) => {
        stdout += chunk.toString();
        out.push(chunk);
      },
      onStderr: (chunk) => {
        stderr += chunk.toString();
        err.push(chunk);
      },
    });
    return { ...result, timedOut: false };
  } catch (error) {
    await lab.exec(host, ['sh', '-c', `kill -9 "$(cat ${pidFile})" 2>/dev/null || true`]).catch(() => undefined);
    if (timeout.aborted && !options.signal?.aborted) return { exitCode: -1, stdout, stderr, timedOut: true };
    throw error;
  } finally {
    out.flush();
    err.flush();
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
