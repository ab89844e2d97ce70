// Expectations on a program's output, checked as the output streams by, so that a program
// printing a gigabyte is checked in the same constant memory as one printing a line. Used
// for `expect: { stdout: ... }`, `output:` expectations and `wait_for`.
//
// `contains` and `not_contains` are exact: a needle split across two chunks is found; they
// and `lines` read bytes as they come, without copying or decoding them. A `regex` is tried
// on a window of the output that always holds the last 64 KB before the newest text, so any
// match shorter than that is found.
import { StringDecoder } from 'node:string_decoder';
import type { OutputExpectationValue, TextExpectationValue } from '../scenario/schema.js';
import { describeEnd, type ProgramEnd } from '../in-host/contract.js';
import { TailBuffer, tailExcerpt } from '../util/bounded-output.js';

const REGEX_WINDOW_CHARS = 64 * 1024;
/** Text gathered before a regex is tried again (a trade of speed on floods for memory). */
const REGEX_BATCH_CHARS = 256 * 1024;

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Finds any of several needles in a stream of bytes: each chunk is searched where it lies
 * (no copy, no decoding), and the few bytes around each boundary are searched apart.
 */
class NeedleFinder {
  readonly found: boolean[];
  private readonly bytes: Buffer[];
  private carry = Buffer.alloc(0);
  private readonly keep: number;

  constructor(readonly needles: string[]) {
    this.found = needles.map(() => false);
    this.bytes = needles.map((needle) => Buffer.from(needle));
    this.keep = Math.max(0, ...this.bytes.map((needle) => needle.length - 1));
  }

  get done(): boolean {
    return this.found.every(Boolean);
  }

  push(chunk: Buffer): void {
    if (this.needles.length === 0 || this.done) return;
    const seam = this.carry.length > 0 ? Buffer.concat([this.carry, chunk.subarray(0, this.keep)]) : undefined;
    this.bytes.forEach((needle, index) => {
      if (!this.found[index] && (chunk.includes(needle) || (seam?.includes(needle) ?? false))) this.found[index] = true;
    });
    if (this.keep > 0) {
      const tail = chunk.length >= this.keep ? chunk.subarray(chunk.length - this.keep) : Buffer.concat([this.carry, chunk]).subarray(-this.keep);
      this.carry = Buffer.from(tail);
    }
  }
}

/** Tries one regex on a sliding window of a stream. */
class RegexFinder {
  matched = false;
  private tail = '';
  private pending = '';

  constructor(private readonly regex: RegExp) {}

  push(text: string): void {
    if (this.matched) return;
    this.pending += text;
    if (this.pending.length >= REGEX_BATCH_CHARS) this.tryNow();
  }

  tryNow(): boolean {
    if (this.matched || this.pending === '') return this.matched;
    const window = this.tail + this.pending;
    this.pending = '';
    this.matched = this.regex.test(window);
    this.tail = window.slice(-REGEX_WINDOW_CHARS);
    return this.matched;
  }
}

const WHITE_SPACE = new Set([0x20, 0x09, 0x0d, 0x0b, 0x0c]);

/** Counts non-empty lines (lines holding more than white space), reading bytes. */
class LineCounter {
  count = 0;
  private currentHasText = false;

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (byte === 0x0a) {
        if (this.currentHasText) this.count += 1;
        this.currentHasText = false;
      } else if (!this.currentHasText && !WHITE_SPACE.has(byte)) {
        this.currentHasText = true;
      }
    }
  }

  total(): number {
    return this.count + (this.currentHasText ? 1 : 0);
  }
}

/** Quotes the end of what was seen, for failure messages. */
const quoteTail = (text: string) => {
  const shown = tailExcerpt(text);
  return shown ? JSON.stringify(shown) : '(nothing)';
};

/** One text expectation (contains, not_contains, regex, lines) on one stream. */
export class TextMatcher {
  private readonly decoder = new StringDecoder('utf8');
  private readonly wanted: NeedleFinder;
  private readonly unwanted: NeedleFinder;
  private readonly regex?: RegexFinder;
  private readonly lines?: LineCounter;
  private readonly tail = new TailBuffer(1024);

  constructor(
    private readonly name: string,
    private readonly spec: Exclude<TextExpectationValue, string>,
  ) {
    this.wanted = new NeedleFinder(list(spec.contains));
    this.unwanted = new NeedleFinder(list(spec.not_contains));
    if (spec.regex !== undefined) this.regex = new RegexFinder(new RegExp(spec.regex, 'm'));
    if (spec.lines !== undefined) this.lines = new LineCounter();
  }

  static of(name: string, expectation: TextExpectationValue): TextMatcher {
    return new TextMatcher(name, typeof expectation === 'string' ? { contains: expectation } : expectation);
  }

  push(chunk: Buffer | string): this {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.tail.push(bytes);
    this.wanted.push(bytes);
    this.unwanted.push(bytes);
    this.lines?.push(bytes);
    // Only a regex needs the bytes as text.
    if (this.regex && !this.regex.matched) this.regex.push(this.decoder.write(bytes));
    return this;
  }

  /** True once every `contains` needle was seen and the regex matched (what `wait_for` waits for). */
  get satisfied(): boolean {
    return this.wanted.done && (this.regex?.tryNow() ?? true);
  }

  /** The reasons the expectation fails on everything pushed so far; empty when it holds. */
  failures(): string[] {
    const seen = () => quoteTail(this.tail.text());
    const failures: string[] = [];
    this.wanted.needles.forEach((needle, index) => {
      if (!this.wanted.found[index]) failures.push(`${this.name} does not contain ${JSON.stringify(needle)}; it was ${seen()}`);
    });
    this.unwanted.needles.forEach((needle, index) => {
      if (this.unwanted.found[index]) failures.push(`${this.name} contains ${JSON.stringify(needle)}, which it must not; it was ${seen()}`);
    });
    if (this.regex && !this.regex.tryNow()) failures.push(`${this.name} does not match /${this.spec.regex}/; it was ${seen()}`);
    if (this.lines && this.lines.total() !== this.spec.lines) {
      failures.push(`${this.name} has ${this.lines.total()} line(s), expected ${this.spec.lines}`);
    }
    return failures;
  }
}

/** A program's exit code and both its outputs against an output expectation. */
export class OutputMatcher {
  readonly stdout?: TextMatcher;
  readonly stderr?: TextMatcher;
  private readonly stderrTail = new TailBuffer(1024);

  constructor(
    private readonly expectation: OutputExpectationValue | undefined,
    private readonly defaultExit?: number,
  ) {
    if (expectation?.stdout !== undefined) this.stdout = TextMatcher.of('stdout', expectation.stdout);
    if (expectation?.stderr !== undefined) this.stderr = TextMatcher.of('stderr', expectation.stderr);
  }

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (stream === 'stderr') this.stderrTail.push(chunk);
    (stream === 'stdout' ? this.stdout : this.stderr)?.push(chunk);
  }

  /**
   * `end` undefined: the program has not ended, so its exit code is not checked. When a
   * signal ended it, the failure says which ("killed: out of memory, limit 512 MB").
   */
  failures(end: ProgramEnd | undefined, memoryBytes?: number): string[] {
    const failures: string[] = [];
    const exit = this.expectation?.exit ?? this.defaultExit;
    if (exit !== undefined && end !== undefined && end.code !== exit) {
      const stderr = this.stderrTail.text().trim() ? `; stderr: ${quoteTail(this.stderrTail.text())}` : '';
      const how = end.signal ? `it ended ${describeEnd(end, memoryBytes)} (exit code ${end.code})` : `exit code was ${end.code}`;
      failures.push(`${how}, expected ${exit}${stderr}`);
    }
    failures.push(...(this.stdout?.failures() ?? []), ...(this.stderr?.failures() ?? []));
    return failures;
  }
}

/** A text expectation on a whole string (small outputs already in memory). */
export function checkText(name: string, text: string, expectation: TextExpectationValue): string[] {
  return TextMatcher.of(name, expectation).push(text).failures();
}
