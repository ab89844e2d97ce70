// What a run tells the person watching: each host's output prefixed with its name, step
// headings, observations and expectation verdicts. The console reporter prints; the
// recording reporter keeps events for tests and the end-of-run report.

export interface ExpectationVerdict {
  step: string;
  host?: string;
  subject: string;
  failures: string[];
}

/** One line for a failed verdict: where, what, and why. */
export function verdictLine(verdict: ExpectationVerdict): string {
  return `${verdict.step}${verdict.host ? ` on ${verdict.host}` : ''}: ${verdict.subject}: ${verdict.failures.join('; ')}`;
}

export interface Reporter {
  info(message: string): void;
  step(label: string, description: string): void;
  hostOutput(host: string, stream: 'stdout' | 'stderr', line: string): void;
  observation(host: string, title: string, text: string): void;
  verdict(verdict: ExpectationVerdict): void;
  section(title: string, text: string): void;
}

export interface ConsoleStyle {
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  hostColor(index: number, text: string): string;
}

export class ConsoleReporter implements Reporter {
  private readonly width: number;
  private readonly hostIndex: Map<string, number>;

  constructor(
    hosts: string[],
    private readonly style: ConsoleStyle,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {
    this.width = Math.max(0, ...hosts.map((host) => host.length));
    this.hostIndex = new Map(hosts.map((host, index) => [host, index]));
  }

  private prefix(host: string): string {
    return this.style.hostColor(this.hostIndex.get(host) ?? 0, host.padEnd(this.width)) + this.style.dim(' | ');
  }

  info(message: string): void {
    this.write(`${this.style.dim(message)}\n`);
  }

  step(label: string, description: string): void {
    this.write(`${this.style.bold(`▶ ${label}`)} ${description}\n`);
  }

  hostOutput(host: string, stream: 'stdout' | 'stderr', line: string): void {
    const text = stream === 'stderr' ? this.style.red(line) : line;
    this.write(`${this.prefix(host)}${text}\n`);
  }

  observation(host: string, title: string, text: string): void {
    this.write(`${this.style.bold(`── ${host}: ${title}`)}\n${text.trimEnd()}\n`);
  }

  verdict(verdict: ExpectationVerdict): void {
    const where = `${verdict.step}${verdict.host ? ` on ${verdict.host}` : ''}`;
    if (verdict.failures.length === 0) {
      this.write(`${this.style.green('✔')} ${verdict.subject} ${this.style.dim(`(${where})`)}\n`);
      return;
    }
    this.write(`${this.style.red('✘')} ${verdict.subject} ${this.style.dim(`(${where})`)}\n`);
    for (const failure of verdict.failures) this.write(`    ${this.style.red(failure)}\n`);
  }

  section(title: string, text: string): void {
    this.write(`\n${this.style.bold(title)}\n${text.trimEnd()}\n`);
  }
}

export type ReportEvent =
  | { kind: 'info'; message: string }
  | { kind: 'step'; label: string; description: string }
  | { kind: 'output'; host: string; stream: 'stdout' | 'stderr'; line: string }
  | { kind: 'observation'; host: string; title: string; text: string }
  | { kind: 'verdict'; verdict: ExpectationVerdict }
  | { kind: 'section'; title: string; text: string };

/** Keeps every event; forwards to another reporter when given one. */
export class RecordingReporter implements Reporter {
  readonly events: ReportEvent[] = [];
  constructor(private readonly next?: Reporter) {}
  info(message: string) {
    this.events.push({ kind: 'info', message });
    this.next?.info(message);
  }
  step(label: string, description: string) {
    this.events.push({ kind: 'step', label, description });
    this.next?.step(label, description);
  }
  hostOutput(host: string, stream: 'stdout' | 'stderr', line: string) {
    this.events.push({ kind: 'output', host, stream, line });
    this.next?.hostOutput(host, stream, line);
  }
  observation(host: string, title: string, text: string) {
    this.events.push({ kind: 'observation', host, title, text });
    this.next?.observation(host, title, text);
  }
  verdict(verdict: ExpectationVerdict) {
    this.events.push({ kind: 'verdict', verdict });
    this.next?.verdict(verdict);
  }
  section(title: string, text: string) {
    this.events.push({ kind: 'section', title, text });
    this.next?.section(title, text);
  }
  get verdicts(): ExpectationVerdict[] {
    return this.events.flatMap((event) => (event.kind === 'verdict' ? [event.verdict] : []));
  }
}
