// A run on the console: each host's output prefixed with its name (in its colour), step
// headings, observations, verdicts with their failures, and sections.
import type { ExpectationVerdict, Reporter } from '../lab/reporter.js';
import type { ConsoleStyle } from './style.js';

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
