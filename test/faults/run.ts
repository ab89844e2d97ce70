// The fault-injection suite: `npm run test:faults` (every section, full size; writes
// docs/reliability.md) or `npm run test:faults -- --quick` (smaller, as CI runs it; writes
// .socklab/reliability-quick.md). Prints a table per section; exits 1 when any "leftovers",
// "crashes", "escapes" (or other must-be-zero) column is not 0.
//   --seed N        the random source (default: one drawn and printed, so a run can be repeated)
//   --only NAME     one section: input, programs, signals, escapes
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureLabImage } from '../../src/image/lab-image.js';
import { ROOT } from '../e2e/helpers.js';
import { image, leftoversAfter, markdownTable, removeScratch, runtime, totals, type Section } from './common.js';
import { escapeAttempts } from './escapes.js';
import { hostileInput } from './hostile-input.js';
import { hostilePrograms } from './hostile-programs.js';
import { signalTrials } from './signals.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});
const quick = values.quick === true;
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const size = quick ? { trials: 8, mutations: 60 } : { trials: 30, mutations: 500 };
const log = (line: string) => process.stderr.write(`${line}\n`);

const SECTIONS: Record<string, () => Promise<Section>> = {
  input: () => hostileInput({ mutations: size.mutations, seed, log }),
  programs: () => hostilePrograms({ quick, log }),
  signals: () => signalTrials({ trials: size.trials, seed, log }),
  escapes: () => escapeAttempts({ log }),
};

async function main(): Promise<number> {
  const info = await runtime.engineInfo();
  await ensureLabImage(runtime, (line) => log(`[image] ${line}`));
  const before = await leftoversAfter(0);
  if (before.length > 0) throw new Error(`the engine holds socklab objects before the suite starts: ${before.join(', ')}`);
  const started = performance.now();
  log(`faults: ${quick ? 'quick' : 'full'} run, seed ${seed}, engine ${info.version}, image ${image}`);

  const sections: Section[] = [];
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (values.only && values.only !== name) continue;
    log(`\n== ${name}`);
    sections.push(await run());
  }
  const after = await leftoversAfter(30_000);
  const minutes = (performance.now() - started) / 60_000;

  const sums = sections.map((section) => ({ section, sums: totals(section) }));
  const bad = sums.flatMap(({ section, sums: s }) =>
    Object.entries(s)
      .filter(([, value]) => value > 0)
      .map(([column, value]) => `${section.title}: ${column} ${value}`),
  );
  if (after.length > 0) bad.push(`left on the engine after the suite: ${after.join(', ')}`);
  const summary = sums.map(
    ({ section, sums: s }) =>
      `- ${section.title}: ${section.rows.length} row(s); ${Object.entries(s)
        .map(([column, value]) => `${column} ${value}`)
        .join(', ')}`,
  );

  const document = [
    '# Reliability: the fault-injection suite',
    '',
    'socklab runs code people are still writing, on an engine a whole class may share. This page is written by',
    '`npm run test:faults` (`test/faults/`), which attacks socklab the way careless and hostile programs, input',
    'and hands do, against the real engine, and counts what went wrong. Every "leftovers", "crashes", "escapes"',
    '(and other must-be-zero) column must read 0; the suite fails otherwise. CI runs a quick mode',
    '(`npm run test:faults -- --quick`: fewer signal trials and mutations).',
    '',
    `Run: ${quick ? 'quick' : 'full'}, seed ${seed} (\`--seed ${seed}\` repeats it), ${new Date().toISOString().slice(0, 10)}, Docker ${info.version}, ${minutes.toFixed(1)} minutes.`,
    '',
    ...summary,
    `- After the suite: ${after.length === 0 ? 'no socklab object on the engine' : after.join(', ')}.`,
    '',
    ...sections.flatMap((section) => [`## ${section.title}`, '', section.about, '', markdownTable(section), '']),
  ].join('\n');
  const output = quick ? join(ROOT, '.socklab/reliability-quick.md') : join(ROOT, 'docs/reliability.md');
  if (values.only) log('\n(one section only: nothing written)');
  else {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, document);
  }
  process.stdout.write(`${sections.map((section) => `\n${section.title}\n${markdownTable(section)}\n`).join('')}\n${summary.join('\n')}\n`);
  if (bad.length > 0) {
    process.stdout.write(`\nFAILED: ${bad.join('; ')}\n`);
    return 1;
  }
  process.stdout.write(`\nall zeros${values.only ? '' : `; written to ${output}`}\n`);
  return 0;
}

main()
  .then((code) => (process.exitCode = code))
  .catch((error: unknown) => {
    log(`faults: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  })
  .finally(removeScratch);
