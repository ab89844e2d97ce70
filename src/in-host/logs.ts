// `socklab logs`: every background program's output in a host, read with `tail -v` (which
// heads each file's part with `==> FILE <==`, saying whose lines follow) and turned back
// into lines per program. Fed chunk by chunk, in constant memory.
import { LineSplitter } from '../util/bounded-output.js';
import { RUN_DIR_IN_HOST } from './contract.js';

/** The command that prints the programs' output; with follow, `tail -F` keeps printing as they write. */
export function logsCommand(ids: string[], follow: boolean): string[] {
  const files = ids.flatMap((id) => [`${RUN_DIR_IN_HOST}/${id}.out`, `${RUN_DIR_IN_HOST}/${id}.err`]);
  return ['tail', '-v', '-n', '+1', ...(follow ? ['-F'] : []), ...files];
}

export interface LogLine {
  id: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * Turns `tail -v` output into program lines. A partial last line waits for the rest (up to
 * the splitter's line limit). The blank line tail puts before each new heading is its own,
 * not output.
 */
export class TailParser {
  private readonly splitter = new LineSplitter((line) => this.take(line));
  private current: { id: string; stream: 'stdout' | 'stderr' } | undefined;
  private pendingBlank = false;

  constructor(private readonly onLine: (line: LogLine) => void) {}

  push(chunk: Buffer | string): void {
    this.splitter.push(chunk);
  }

  flush(): void {
    this.splitter.flush();
    if (this.pendingBlank) this.emit('');
    this.pendingBlank = false;
  }

  private take(line: string): void {
    const heading = /^==> (.+)\.(out|err) <==$/.exec(line);
    if (heading) {
      const file = heading[1]!;
      this.current = { id: file.slice(file.lastIndexOf('/') + 1), stream: heading[2] === 'err' ? 'stderr' : 'stdout' };
      this.pendingBlank = false;
      return;
    }
    if (this.pendingBlank) this.emit('');
    this.pendingBlank = line === '';
    if (!this.pendingBlank) this.emit(line);
  }

  private emit(line: string): void {
    if (this.current) this.onLine({ ...this.current, line });
  }
}
