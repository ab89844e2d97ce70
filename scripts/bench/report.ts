// The pure half of `npm run bench`: medians, ratios, targets and the markdown that becomes
// docs/performance.md. No process, no engine: unit-tested in test/unit/bench-report.test.ts.

/** One subject's measurements, one value per round (seconds, or MB for memory). */
export interface Series {
  label: string;
  values: number[];
}

/** A target: socklab's median at most `max` times the baseline's, or at most `max` units. */
export type Target = { kind: 'ratio'; max: number } | { kind: 'value'; max: number };

export type Unit = 's' | 'MB';

/** One line of the table: socklab against one baseline (or against a fixed limit). */
export interface ResultRow {
  case: string;
  unit: Unit;
  socklab?: Series;
  baseline?: Series;
  target?: Target;
  /** Why there is no figure: skipped, not available yet, failed. */
  note?: string;
}

/** The median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatValue(value: number, unit: Unit): string {
  return unit === 's' ? `${value.toFixed(2)} s` : `${value.toFixed(0)} MB`;
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

export function formatTarget(target: Target, unit: Unit): string {
  return target.kind === 'ratio' ? `≤ ${formatRatio(target.max)}` : `< ${formatValue(target.max, unit)}`;
}

/** socklab's median over the baseline's, when the row has both. */
export function rowRatio(row: ResultRow): number | undefined {
  if (!row.socklab?.values.length || !row.baseline?.values.length) return undefined;
  return median(row.socklab.values) / median(row.baseline.values);
}

export type Verdict = 'met' | 'missed' | 'no target' | 'not measured';

/** socklab measured, and the baseline too when the target is a ratio or there is a baseline. */
function measured(row: ResultRow): boolean {
  if (!row.socklab?.values.length) return false;
  return row.target?.kind === 'value' || (row.baseline?.values.length ?? 0) > 0;
}

export function verdict(row: ResultRow): Verdict {
  if (!measured(row)) return 'not measured';
  if (!row.target) return 'no target';
  if (row.target.kind === 'value') return median(row.socklab!.values) < row.target.max ? 'met' : 'missed';
  // Compared as printed, so a row never reads "0.80x, target ≤ 0.80x: missed".
  return Number(rowRatio(row)!.toFixed(2)) <= row.target.max ? 'met' : 'missed';
}

const VERDICT_TEXT: Record<Verdict, string> = { met: 'yes', missed: '**no**', 'no target': '—', 'not measured': 'not measured' };

export const TABLE_COLUMNS = ['case', 'socklab median', 'baseline', 'baseline median', 'ratio', 'target', 'met', 'rounds'];

export function tableCells(row: ResultRow): string[] {
  const ratio = rowRatio(row);
  const cell = (series: Series | undefined) => (series?.values.length ? formatValue(median(series.values), row.unit) : '—');
  return [
    row.case,
    cell(row.socklab),
    row.baseline?.label ?? '—',
    cell(row.baseline),
    ratio === undefined ? '—' : formatRatio(ratio),
    row.target ? formatTarget(row.target, row.unit) : '—',
    verdict(row) === 'not measured' && row.note ? `not measured: ${row.note}` : VERDICT_TEXT[verdict(row)],
    String(row.socklab?.values.length ?? 0),
  ];
}

export function markdownTable(columns: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map(line)].join('\n');
}

export function resultsTable(rows: ResultRow[]): string {
  return markdownTable(TABLE_COLUMNS, rows.map(tableCells));
}

/** Every round's value of every series, for the reader who distrusts medians. */
export function roundsTable(rows: ResultRow[]): string {
  const seen = new Set<string>();
  const lines: string[][] = [];
  for (const row of rows) {
    for (const series of [row.socklab, row.baseline]) {
      if (!series?.values.length) continue;
      const key = `${row.case}\0${series.label}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push([row.case, series.label, series.values.map((value) => formatValue(value, row.unit)).join(', ')]);
    }
  }
  return lines.length === 0 ? 'No round was measured.' : markdownTable(['case', 'subject', 'each round, in order'], lines);
}

export interface Machine {
  cores: number;
  memoryBytes: number;
  engine: string;
  node: string;
  kernel: string;
  /** The 1-minute load average before and after the run. */
  loadBefore?: string;
  loadAfter?: string;
  date: Date;
}

export function machineLines(machine: Machine): string[] {
  const load = machine.loadBefore !== undefined ? `; 1-minute load average ${machine.loadBefore} before, ${machine.loadAfter ?? '?'} after` : '';
  return [
    `- ${machine.cores} cores, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GB of memory, Linux ${machine.kernel}${load}`,
    `- Docker engine ${machine.engine}; Node ${machine.node}`,
    `- ${machine.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  ];
}

export interface PerformanceDocument {
  rows: ResultRow[];
  machine: Machine;
  /** The command line that produced the figures. */
  command: string;
  /** Paragraphs on the cases and their baselines. */
  about: string[];
  /** Remarks from this run (a baseline skipped and why). */
  notes: string[];
}

export function performanceMarkdown(doc: PerformanceDocument): string {
  const verdicts = doc.rows.map(verdict);
  const missed = doc.rows.filter((_, index) => verdicts[index] === 'missed').map((row) => row.case);
  const checked = verdicts.filter((v) => v === 'met' || v === 'missed').length;
  const summary =
    checked === 0 ? 'No target was measured in this run.' : missed.length === 0 ? 'Every measured target was met.' : `Targets missed: ${missed.join('; ')}.`;
  return [
    '# Performance: socklab against what a user would do instead',
    '',
    'Written by `npm run bench` (`scripts/bench.ts`). Each case runs next to its baselines in the same process, in',
    'alternating rounds (baseline, socklab, baseline, socklab...) so that drift on the machine hits both; the',
    "figures are medians over the rounds, and the ratio is socklab's median over the baseline's. A target that is",
    'missed says so.',
    '',
    resultsTable(doc.rows),
    '',
    summary,
    '',
    '## The machine',
    '',
    ...machineLines(doc.machine),
    `- Command: \`${doc.command}\``,
    ...(doc.notes.length > 0 ? ['', '## Notes from this run', '', ...doc.notes.map((note) => `- ${note}`)] : []),
    '',
    '## The cases and their baselines',
    '',
    ...doc.about.flatMap((paragraph) => [paragraph, '']),
    '## Every round',
    '',
    roundsTable(doc.rows),
    '',
    '## Rerunning',
    '',
    'On an idle engine (no other labs, no test suite running), with the lab image built:',
    '',
    '```sh',
    'npm run bench                      # every case; rewrites this page',
    'npm run bench -- --only nat-pat    # one case (tcp-hello, nat-pat, lessons, copies, hosts); writes .socklab/performance.md',
    'npm run bench -- --quick           # a smoke test: fewer rounds, smaller labs; writes .socklab/performance.md',
    'npm run bench -- --rounds 9        # more rounds for steadier medians',
    '```',
    '',
    'Where one run spends its time: `SOCKLAB_TRACE=1 socklab run scenarios/tcp-hello.yaml` prints every engine call',
    '(when it began, in ms since the process started, and how long it took) on standard error.',
    '',
  ].join('\n');
}
