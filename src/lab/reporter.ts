// What a run tells the person watching: step headings, each host's output, observations,
// expectation verdicts and sections. The console prints them (cli/console-reporter.ts); the
// recording reporter keeps them, for tests and for `socklab test`'s quiet runs.

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

export type ReportEvent =
  | { kind: 'info'; message: string }
  | { kind: 'step'; label: string; description: string }
  | { kind: 'output'; host: string; stream: 'stdout' | 'stderr'; line: string }
  | { kind: 'observation'; host: string; title: string; text: string }
  | { kind: 'verdict'; verdict: ExpectationVerdict }
  | { kind: 'section'; title: string; text: string }
  | { kind: 'omitted'; count: number; why: string };

export interface RecordingLimits {
  /** Events kept; later ones are counted, not kept (verdicts are always kept). */
  events: number;
  /** Characters of text kept over all events. */
  chars: number;
}

/**
 * Keeps the events (up to `limits`, for a report of a run whose programs may print without
 * end); forwards every one to another reporter when given one.
 */
export class RecordingReporter implements Reporter {
  private readonly kept: ReportEvent[] = [];
  private chars = 0;
  private omitted = 0;
  constructor(
    private readonly next?: Reporter,
    private readonly limits: RecordingLimits = { events: Infinity, chars: Infinity },
  ) {}

  private keep(event: ReportEvent, size: number): void {
    if (event.kind !== 'verdict' && (this.kept.length >= this.limits.events || this.chars + size > this.limits.chars)) {
      this.omitted += 1;
      return;
    }
    this.chars += size;
    this.kept.push(event);
  }

  /** What was kept, then how much was not. */
  get events(): ReportEvent[] {
    return this.omitted ? [...this.kept, { kind: 'omitted', count: this.omitted, why: "the report keeps the first part of a run's output" }] : this.kept;
  }
  info(message: string) {
    this.keep({ kind: 'info', message }, message.length);
    this.next?.info(message);
  }
  step(label: string, description: string) {
    this.keep({ kind: 'step', label, description }, description.length);
    this.next?.step(label, description);
  }
  hostOutput(host: string, stream: 'stdout' | 'stderr', line: string) {
    this.keep({ kind: 'output', host, stream, line }, line.length);
    this.next?.hostOutput(host, stream, line);
  }
  observation(host: string, title: string, text: string) {
    this.keep({ kind: 'observation', host, title, text }, text.length);
    this.next?.observation(host, title, text);
  }
  verdict(verdict: ExpectationVerdict) {
    this.keep({ kind: 'verdict', verdict }, 0);
    this.next?.verdict(verdict);
  }
  section(title: string, text: string) {
    this.keep({ kind: 'section', title, text }, text.length);
    this.next?.section(title, text);
  }
  get verdicts(): ExpectationVerdict[] {
    return this.kept.flatMap((event) => (event.kind === 'verdict' ? [event.verdict] : []));
  }
}
