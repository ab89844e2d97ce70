// Benchmark: the wall time of the CLI process `socklab validate scenarios/tcp-hello.yaml`
// (the target is under 300 ms), against two baselines measured in the same run: a bare
// Node process start (`node -e 0`) and the CLI doing nothing but `--help`; and the same
// validate run from the sources through tsx (`npm run socklab`, the development path).
// It measures the built CLI: run `npm run build` first. Commands run interleaved, after one
// warm-up each, so drift on a busy machine hits all of them alike.
//   npx tsx scripts/bench-validate.ts [runs]      (default 10)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runs = Number(process.argv[2] ?? 10);
const TARGET_MS = 300;

interface Subject {
  label: string;
  args: string[];
  env?: Record<string, string>;
  times: number[];
}

const subjects: Subject[] = [
  { label: 'node -e 0', args: ['-e', '0'], times: [] },
  { label: 'socklab --help', args: ['bin/socklab.js', '--help'], times: [] },
  { label: 'socklab validate tcp-hello', args: ['bin/socklab.js', 'validate', 'scenarios/tcp-hello.yaml'], times: [] },
  { label: '  the same through tsx', args: ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', 'validate', 'scenarios/tcp-hello.yaml'], times: [] },
];

function timed({ args, env }: Subject): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  const ms = performance.now() - started;
  // A benchmark of a failing command measures nothing useful.
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return ms;
}

/** The value at quantile q (0..1) of the sorted values, nearest rank. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

for (const subject of subjects) timed(subject); // warm-up: disk cache, the CLI bundle, tsx's cache
for (let run = 0; run < runs; run++) for (const subject of subjects) subject.times.push(timed(subject));

const [bare, help, validate, viaTsx] = subjects as [Subject, Subject, Subject, Subject];
const median = (s: Subject) => quantile(s.times, 0.5);
const [load1] = readLoadAverage();
console.log(`CLI process wall time, ${runs} runs each after a warm-up (Node ${process.version}${load1 === undefined ? '' : `, load average ${load1}`})`);
for (const subject of subjects) {
  const min = Math.min(...subject.times);
  console.log(
    `  ${subject.label.padEnd(28)} median ${median(subject).toFixed(0).padStart(4)} ms   p90 ${quantile(subject.times, 0.9).toFixed(0).padStart(4)} ms   min ${min.toFixed(0).padStart(4)} ms`,
  );
}
const ratio = (a: Subject, b: Subject) => `${(median(a) / median(b)).toFixed(2)}x`;
console.log(`  validate / node -e 0: ${ratio(validate, bare)}   validate / --help: ${ratio(validate, help)}   tsx / bundle: ${ratio(viaTsx, validate)}`);
const p90 = quantile(validate.times, 0.9);
console.log(
  p90 < TARGET_MS
    ? `  target: validate under ${TARGET_MS} ms: met (p90 ${p90.toFixed(0)} ms)`
    : `  target: validate under ${TARGET_MS} ms: NOT met (p90 ${p90.toFixed(0)} ms)`,
);

/** The 1-minute load average, to read the figures by (Linux; empty elsewhere). */
function readLoadAverage(): (string | undefined)[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3);
  } catch {
    return [];
  }
}
