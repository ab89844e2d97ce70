// Output of programs socklab does not control can be any size: a student's loop can print
// a gigabyte. These keep what socklab needs of it (the first or the last few kilobytes,
// whole lines up to a length) in memory bounded by a constant, whatever arrives.

/** Keeps the last `limit` bytes written; counts all of them. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.kept = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept - this.chunks[0]!.length >= this.limit) this.kept -= this.chunks.shift()!.length;
  }

  /** The kept bytes as text; a character cut at the start is dropped. */
  text(): string {
    const bytes = Buffer.concat(this.chunks);
    const start = Math.max(0, bytes.length - this.limit);
    return bytes
      .subarray(start)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }
}

/** Keeps the first `limit` bytes written; counts all of them. */
export class HeadBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }
}

/** Up to `max` characters of `text`, from its end, marked with '...' when cut. */
export function tailExcerpt(text: string, max = 300): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `...${trimmed.slice(trimmed.length - max)}` : trimmed;
}

/** A line longer than this is delivered in pieces, so one endless line cannot fill memory. */
export const MAX_LINE_BYTES = 16 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (without the newline, and without a trailing CR). A line is
 * reported as a range of the bytes it came in (`onLine(bytes, start, end)`), so a flood of
 * millions of lines allocates nothing per line; `lineText` decodes one. A partial last line
 * waits for the rest (copied, up to MAX_LINE_BYTES); beyond that it is delivered as it is.
 *
 * Not node:readline: it decodes every line into a string, and it holds a line without a
 * newline whole, however long: a program that prints one endless line would fill memory.
 */
export class LineSplitter {
  private partial: Buffer | undefined;

  constructor(
    private readonly onLine: (bytes: Buffer, start: number, end: number) => void,
    private readonly maxLine = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer | string): void {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.partial) {
      bytes = Buffer.concat([this.partial, bytes]);
      this.partial = undefined;
    }
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
      this.emit(bytes, start, end);
      start = end + 1;
    }
    while (bytes.length - start > this.maxLine) {
      this.emit(bytes, start, start + this.maxLine);
      start += this.maxLine;
    }
    // A copy: keeping a view would keep the whole chunk alive.
    if (start < bytes.length) this.partial = Buffer.from(bytes.subarray(start));
  }

  flush(): void {
    const rest = this.partial;
    this.partial = undefined;
    if (rest?.length) this.emit(rest, 0, rest.length);
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    this.onLine(bytes, start, end > start && bytes[end - 1] === CR ? end - 1 : end);
  }
}

/** A line reported by LineSplitter, as text. */
export const lineText = (bytes: Buffer, start: number, end: number) => bytes.toString('utf8', start, end);

/**
 * Gathers bytes into one buffer (copying, so nothing keeps the sources alive), grown as
 * needed; `take` hands over what was gathered and starts afresh.
 */
export class ByteBatch {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  add(source: Buffer, start = 0, end = source.length): void {
    const needed = this.length + (end - start);
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    source.copy(this.buffer, this.length, start, end);
    this.length = needed;
  }

  take(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const out = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return out;
  }
}
