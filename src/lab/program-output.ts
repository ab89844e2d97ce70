// Where a program's output goes while a lesson runs, in constant memory whatever it prints:
// - to a file per stream in the run's folder (programs/ID.out, programs/ID.err), up to
//   256 MB each (the engine host's disk must not fill up either), with a note at the cut;
// - the console, line by line, up to a limit per program, then one note saying where the
//   rest is (a terminal scrolling a gigabyte helps nobody);
// - listeners that match it as it passes (wait_for).
// A busy file (the disk slower than the program) holds the stream back instead of
// buffering. A run step's expectations are matched as its output passes; later ones
// (`output:`, stop, wait) read the files back (checkOutputFiles).
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { OutputSinks } from '../in-host/in-host.js';
import type { ProgramEnd } from '../in-host/contract.js';
import type { OutputExpectationValue } from '../scenario/schema.js';
import { LineSplitter, lineText } from '../util/bounded-output.js';
import { shortPath } from '../util/paths.js';
import { OutputMatcher } from './output-matchers.js';

export const CONSOLE_MAX_LINES = 2_000;
const CONSOLE_MAX_BYTES = 1024 * 1024;
export const SAVED_MAX_BYTES = 256 * 1024 * 1024;

export type Stream = 'stdout' | 'stderr';

export interface OutputConsole {
  line(stream: Stream, line: string): void;
  /** Said once, when the console limit is reached. */
  note(text: string): void;
}

export class ProgramOutput {
  readonly bytes = { stdout: 0, stderr: 0 };
  readonly sinks: OutputSinks;
  private readonly writers: Record<Stream, WriteStream>;
  private readonly splitters: Record<Stream, LineSplitter>;
  private readonly listeners = new Set<(stream: Stream, chunk: Buffer) => void>();
  private consoleLines = 0;
  private consoleBytes = 0;
  private consoleFull = false;
  private readonly savedFull = { stdout: false, stderr: false };
  private closed: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    readonly files: Record<Stream, string>,
    private readonly console: OutputConsole,
  ) {
    this.writers = { stdout: createWriteStream(files.stdout), stderr: createWriteStream(files.stderr) };
    for (const writer of Object.values(this.writers)) writer.on('error', () => undefined);
    this.splitters = {
      stdout: new LineSplitter((bytes, start, end) => this.toConsole('stdout', lineText(bytes, start, end))),
      stderr: new LineSplitter((bytes, start, end) => this.toConsole('stderr', lineText(bytes, start, end))),
    };
    this.sinks = { stdout: (chunk) => this.take('stdout', chunk), stderr: (chunk) => this.take('stderr', chunk) };
  }

  static async open(runDir: string, id: string, console: OutputConsole): Promise<ProgramOutput> {
    const dir = join(runDir, 'programs');
    await mkdir(dir, { recursive: true });
    return new ProgramOutput(id, { stdout: join(dir, `${id}.out`), stderr: join(dir, `${id}.err`) }, console);
  }

  /** Listens to every chunk from now on; returns the way to stop listening. */
  listen(listener: (stream: Stream, chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private take(stream: Stream, chunk: Buffer): void | Promise<void> {
    if (this.closed) return;
    this.bytes[stream] += chunk.length;
    for (const listener of this.listeners) listener(stream, chunk);
    if (!this.consoleFull) this.splitters[stream].push(chunk);
    return this.save(stream, chunk);
  }

  /** Writes to the file until the limit, then one note; a busy file holds the stream back. */
  private save(stream: Stream, chunk: Buffer): void | Promise<void> {
    if (this.savedFull[stream]) return;
    const room = SAVED_MAX_BYTES - (this.bytes[stream] - chunk.length);
    let part = chunk;
    if (chunk.length > room) {
      this.savedFull[stream] = true;
      part = Buffer.concat([
        chunk.subarray(0, Math.max(0, room)),
        Buffer.from(`\n[socklab: output beyond ${SAVED_MAX_BYTES / 1024 / 1024} MB was not saved]\n`),
      ]);
    }
    if (!this.writers[stream].write(part)) return once(this.writers[stream], 'drain').then(() => undefined);
  }

  /** Whether a file holds only the first SAVED_MAX_BYTES of its stream. */
  get truncated(): boolean {
    return this.savedFull.stdout || this.savedFull.stderr;
  }

  private toConsole(stream: Stream, line: string): void {
    if (this.consoleFull) return;
    this.consoleLines += 1;
    this.consoleBytes += line.length + 1;
    if (this.consoleLines > CONSOLE_MAX_LINES || this.consoleBytes > CONSOLE_MAX_BYTES) {
      this.consoleFull = true;
      this.console.note(
        `... more output than the console shows (${CONSOLE_MAX_LINES} lines or 1 MB); all of it is in ${shortPath(this.files.stdout)} and .err`,
      );
      return;
    }
    this.console.line(stream, line);
  }

  /** Prints the last partial lines and closes the files (once; later output is dropped). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.splitters.stdout.flush();
      this.splitters.stderr.flush();
      await Promise.all(Object.values(this.writers).map((writer) => new Promise<void>((resolve) => writer.end(resolve))));
    })();
    return this.closed;
  }
}

/** A program's output as the run keeps it. */
export interface OutputSource {
  files: Record<Stream, string>;
  /** Undefined while it runs. */
  end?: ProgramEnd;
  memoryBytes?: number;
  /** The files hold only the first part of its output. */
  truncated?: boolean;
  /** Matchers that saw the whole output as it passed, by the expectation they check. */
  live?: Map<OutputExpectationValue, OutputMatcher>;
}

/**
 * Why an output expectation does not hold: from the matcher that watched the output pass
 * (exact on any amount), or else from the files in the run folder, read as a stream.
 */
export async function outputFailures(source: OutputSource, expectation: OutputExpectationValue, defaultExit?: number): Promise<string[]> {
  const live = source.live?.get(expectation);
  const failures = live ? live.failures(source.end, source.memoryBytes) : await readAndMatch(source, expectation, defaultExit);
  const exit = expectation.exit ?? defaultExit;
  if (source.end === undefined && expectation.exit !== undefined) failures.unshift(`it is still running, so it has no exit code yet (expected ${exit})`);
  if (!live && failures.length > 0 && source.truncated)
    failures.push(`(checked on the first ${SAVED_MAX_BYTES / 1024 / 1024} MB of each output, which is what the run keeps)`);
  return failures;
}

async function readAndMatch(source: OutputSource, expectation: OutputExpectationValue, defaultExit?: number): Promise<string[]> {
  const matcher = new OutputMatcher(expectation, defaultExit);
  // Only the exit code asked for: nothing to read.
  if (expectation.stdout === undefined && expectation.stderr === undefined) return matcher.failures(source.end, source.memoryBytes);
  for (const stream of ['stdout', 'stderr'] as const) {
    const reader = createReadStream(source.files[stream]);
    try {
      for await (const chunk of reader) matcher.push(stream, chunk as Buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return matcher.failures(source.end, source.memoryBytes);
}
