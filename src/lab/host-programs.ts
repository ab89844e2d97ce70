// The programs started in a host of a lab that is up, read back from the files each
// background program keeps in /lab/run/ (host-process.ts): which run now, what each has
// printed (`socklab logs`). Parsing is pure and unit-tested; one exec per host reads all.
import type { Runtime } from '../runtime/runtime.js';
import { RUN_DIR_IN_HOST } from './host-process.js';

export interface HostProgram {
  id: string;
  pid?: number;
  running: boolean;
  /** Set once the program has exited. */
  exitCode?: number;
  command: string;
}

/**
 * One line per program: id, pid, running|exited, exit code, command (tab-separated).
 * A program runs while its pid is alive and its wrapper has not yet written the exit file.
 */
export const LIST_PROGRAMS_SCRIPT = [
  `cd ${RUN_DIR_IN_HOST} 2>/dev/null || exit 0`,
  `for cmd in *.cmd; do`,
  `  [ -e "$cmd" ] || continue`,
  `  id=\${cmd%.cmd}`,
  `  pid=$(cat "$id.pid" 2>/dev/null)`,
  `  code=$(cat "$id.exit" 2>/dev/null)`,
  `  state=exited`,
  `  if [ -z "$code" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then state=running; fi`,
  `  printf '%s\\t%s\\t%s\\t%s\\t%s\\n' "$id" "$pid" "$state" "$code" "$(head -n 1 "$cmd")"`,
  `done`,
].join('\n');

export function parsePrograms(text: string): HostProgram[] {
  const programs: HostProgram[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [id = '', pid = '', state = '', code = '', ...command] = line.split('\t');
    if (!id) continue;
    programs.push({
      id,
      ...(/^\d+$/.test(pid) ? { pid: Number(pid) } : {}),
      running: state === 'running',
      ...(/^-?\d+$/.test(code.trim()) ? { exitCode: Number(code.trim()) } : {}),
      command: command.join('\t'),
    });
  }
  return programs.sort((a, b) => a.id.localeCompare(b.id));
}

export async function listPrograms(runtime: Runtime, container: string): Promise<HostProgram[]> {
  const result = await runtime.exec(container, ['sh', '-c', LIST_PROGRAMS_SCRIPT]);
  if (result.exitCode !== 0) throw new Error(`could not list the programs in ${container}: ${result.stderr.trim()}`);
  return parsePrograms(result.stdout);
}

/** How a program stands, in a few words: "running, pid 23", "exited 0". */
export function programState(program: HostProgram): string {
  if (program.running) return `running${program.pid !== undefined ? `, pid ${program.pid}` : ''}`;
  return program.exitCode !== undefined ? `exited ${program.exitCode}` : 'gone';
}

/**
 * The command that prints every program's output: `tail -v` heads each file's part with
 * `==> FILE <==`, which says whose line follows; with follow, `tail -F` keeps printing as
 * the programs write (and heads again whenever it switches file).
 */
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
 * Turns `tail -v` output into program lines. Fed chunk by chunk: a partial last line waits
 * for the rest. The blank line tail puts before each new heading is its own, not output.
 */
export class TailParser {
  private partial = '';
  private current: { id: string; stream: 'stdout' | 'stderr' } | undefined;
  private pendingBlank = false;

  constructor(private readonly onLine: (line: LogLine) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.take(line);
  }

  flush(): void {
    if (this.pendingBlank) this.emit('');
    this.pendingBlank = false;
    if (this.partial) this.take(this.partial);
    this.partial = '';
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
