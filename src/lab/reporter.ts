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
