// `socklab logs`: every background program's output in a host, read with `tail -v` (which
// heads each file's part with `==> FILE <==`, saying whose lines follow) and turned back
// into lines per program. Fed chunk by chunk, in constant memory; lines are reported as
// ranges of the bytes they came in, so a log of millions of lines allocates nothing per line.
import { LineSplitter, lineText } from '../util/bounded-output.js';
import { RUN_DIR_IN_HOST } from './contract.js';

/** The command that prints the programs' output; with follow, `tail -F` keeps printing as they write. */
export function logsCommand(ids: string[], follow: boolean): string[] {
  const files = ids.flatMap((id) => [`${RUN_DIR_IN_HOST}/${id}.out`, `${RUN_DIR_IN_HOST}/${id}.err`]);
  return ['tail', '-v', '-n', '+1', ...(follow ? ['-F'] : []), ...files];
}

export type LogStream = 'stdout' | 'stderr';

/** Receives one program line: whose, from which stream, and where its bytes are. */
export type LogLineHandler = (id: string, stream: LogStream, bytes: Buffer, start: number, end: number) => void;

const EMPTY = Buffer.alloc(0);
const HEADING = /^==> (.+)\.(out|err) <==$/;
/** '==> ': only a line starting so is read as text, to see whether it is a heading. */
const isHeadingStart = (bytes: Buffer, start: number) =>
  bytes[start] === 0x3d && bytes[start + 1] === 0x3d && bytes[start + 2] === 0x3e && bytes[start + 3] === 0x20;

/**
 * Turns `tail -v` output into program lines. The blank line tail puts before each new
 * heading is its own, not output.
 */
export class TailParser {
  private readonly splitter = new LineSplitter((bytes, start, end) => this.take(bytes, start, end));
  private id: string | undefined;
  private stream: LogStream = 'stdout';
  private pendingBlank = false;

  constructor(private readonly onLine: LogLineHandler) {}

  push(chunk: Buffer | string): void {
    this.splitter.push(chunk);
  }

  flush(): void {
    this.splitter.flush();
    if (this.pendingBlank) this.emit(EMPTY, 0, 0);
    this.pendingBlank = false;
  }

  private take(bytes: Buffer, start: number, end: number): void {
    const heading = end - start > 8 && isHeadingStart(bytes, start) ? HEADING.exec(lineText(bytes, start, end)) : null;
    if (heading) {
      const file = heading[1]!;
      this.id = file.slice(file.lastIndexOf('/') + 1);
      this.stream = heading[2] === 'err' ? 'stderr' : 'stdout';
      this.pendingBlank = false;
      return;
    }
    if (this.pendingBlank) this.emit(EMPTY, 0, 0);
    this.pendingBlank = end === start;
    if (!this.pendingBlank) this.emit(bytes, start, end);
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    if (this.id !== undefined) this.onLine(this.id, this.stream, bytes, start, end);
  }
}
