// `npm run bench`: socklab measured against what a user would do instead, each case next to
// its baselines in one process, in alternating rounds (baseline, socklab, baseline, socklab...)
// so that drift on the machine hits both. Prints medians and ratios, and writes
// docs/performance.md (every case, default rounds) or .socklab/performance.md (--only,
// --quick or --rounds). The cases and their baselines are in scripts/bench/cases.ts and
// scripts/baselines/.
//   npm run bench [-- --rounds N] [--only CASE] [--quick]
// Every baseline object is labelled socklab.run=bench-baseline and named sl-bench-...; what a
// run left is removed at its start and at its end, also after a failure or Ctrl+C.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { labImageRef } from '../src/image/lab-image.js';
import { CASES, removeEverything, type BenchContext } from './bench/cases.js';
import { checkInterrupted, engineVersion, onInterrupt, RunFailed, timed, wasInterrupted } from './bench/process.js';
import { formatRatio, formatValue, median, performanceMarkdown, rowRatio, verdict, type ResultRow } from './bench/report.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const rounds = values.rounds !== undefined ? Number(values.rounds) : undefined;
if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) {
  log(`bench: --rounds takes a whole number of at least 1 (got '${values.rounds}')`);
  process.exit(2);
}
const only = values.only?.split(',');
const unknown = only?.filter((id) => !CASES.some((c) => c.id === id)) ?? [];
if (unknown.length > 0) {
  log(`bench: unknown case ${unknown.join(', ')}; the cases are ${CASES.map((c) => c.id).join(', ')}`);
  process.exit(2);
}
const selected = CASES.filter((c) => !only || only.includes(c.id));
/** Only a run of every case, full size, with the default rounds, rewrites docs/performance.md. */
const complete = !only && !quick && rounds === undefined;
const output = join(root, complete ? 'docs/performance.md' : '.socklab/performance.md');

function loadAverage(): string | undefined {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  onInterrupt();
  const engine = engineVersion();
  const image = labImageRef();
  const loadBefore = loadAverage();
  log(`bench: ${quick ? 'quick' : 'full'} run of ${selected.map((c) => c.id).join(', ')}; Docker ${engine}, image ${image}, load ${loadBefore ?? '?'}`);
  // The image is built (or found) before anything is timed: no case pays for it.
  await timed(process.execPath, [join(root, 'bin/socklab.js'), 'image', 'build'], { cwd: root });

  const scratch = await mkdtemp(join(tmpdir(), 'socklab-bench-'));
  const ctx: BenchContext = { root, image, quick, scratch, log, notes: [] };
  const rows: ResultRow[] = [];
  let failures = 0;
  try {
    await removeEverything(ctx);
    for (const benchCase of selected) {
      const caseRounds = rounds ?? (quick ? benchCase.rounds.quick : benchCase.rounds.full);
      log(`\n== ${benchCase.title} (${caseRounds} round(s))`);
      try {
        checkInterrupted();
        rows.push(...(await benchCase.run(ctx, caseRounds)));
      } catch (error) {
        if (wasInterrupted()) throw error;
        failures += 1;
        const message = error instanceof Error ? error.message : String(error);
        log(`  FAILED: ${message}`);
        const firstLine = message.split('\n')[0]!;
        rows.push({ case: benchCase.title, unit: 's', note: `failed: ${firstLine}` });
        ctx.notes.push(`${benchCase.title} failed: ${firstLine}`);
      }
    }
  } finally {
    await removeEverything(ctx).catch((error: unknown) => log(`bench: cleaning up failed: ${String(error)}`));
    await rm(scratch, { recursive: true, force: true });
  }

  log('');
  for (const row of rows) {
    const ratio = rowRatio(row);
    const figures = row.socklab?.values.length
      ? `socklab ${formatValue(median(row.socklab.values), row.unit)}` +
        (row.baseline?.values.length ? `, ${row.baseline.label} ${formatValue(median(row.baseline.values), row.unit)}` : '') +
        (ratio !== undefined ? `: ${formatRatio(ratio)}` : '')
      : (row.note ?? 'not measured');
    log(`${row.case}: ${figures} [${verdict(row)}]`);
  }

  const markdown = performanceMarkdown({
    rows,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    about: selected.map((c) => c.about),
    notes: [
      ...(complete
        ? []
        : [
            `A partial run (${quick ? '--quick' : [only ? `--only ${only.join(',')}` : '', rounds ? `--rounds ${rounds}` : ''].join(' ').trim()}): not the published figures.`,
          ]),
      ...ctx.notes,
    ],
    machine: {
      cores: cpus().length,
      memoryBytes: totalmem(),
      engine,
      node: process.version,
      kernel: release(),
      loadBefore,
      loadAfter: loadAverage(),
      date: new Date(),
    },
  });
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, markdown);
  log(`\nwrote ${relative(process.cwd(), output)}`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (wasInterrupted()) {
      log('bench: interrupted; everything it made is removed');
      process.exit(130);
    }
    log(`bench: ${error instanceof RunFailed ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
