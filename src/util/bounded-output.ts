// Output of programs socklab does not control can be any size: a student's loop can print
// a gigabyte. These keep what socklab needs of it (the first or the last few kilobytes,
// whole lines up to a length) in memory bounded by a constant, whatever arrives.
import { StringDecoder } from 'node:string_decoder';

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
    return bytes.subarray(start).toString('utf8').replace(/^\uFFFD+/, '');
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
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Splits a byte stream into lines (without the newline, and without a trailing CR). A
 * partial last line waits for the rest, up to MAX_LINE_CHARS; beyond that it is delivered
 * as it is. Multi-byte characters split across chunks are decoded whole.
 */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      this.emit(text.slice(start, end));
      start = end + 1;
    }
    let rest = text.slice(start);
    while (rest.length > this.maxLine) {
      this.emit(rest.slice(0, this.maxLine));
      rest = rest.slice(this.maxLine);
    }
    this.partial = rest;
  }

  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest);
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
