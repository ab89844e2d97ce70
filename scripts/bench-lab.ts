// Benchmark: a whole NAT lesson with socklab against the same lab typed by hand with the
// docker CLI (shared/reference/nat-pat-by-hand.sh, the "person typing commands" baseline),
// measured in the same run on the same engine. Prints wall times and the ratio.
//   npx tsx scripts/bench-lab.ts [rounds]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labImageRef } from '../src/image/lab-image.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const reference = fileURLToPath(new URL('../../shared/reference/nat-pat-by-hand.sh', import.meta.url));
const rounds = Number(process.argv[2] ?? 3);

function timed(command: string, args: string[], env: Record<string, string> = {}): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (!existsSync(reference)) throw new Error(`the reference script is missing: ${reference}`);
timed(process.execPath, ['bin/socklab.js', 'image', 'build']); // warm: no image time in either
const byHand: number[] = [];
const socklab: number[] = [];
for (let round = 0; round < rounds; round++) {
  byHand.push(timed('bash', [reference], { IMAGE: labImageRef() }));
  socklab.push(timed(process.execPath, ['bin/socklab.js', 'run', 'test/e2e/scenarios/bench-nat.yaml']));
}
const fmt = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
console.log(`NAT lesson, 4 hosts, 3 networks, ${rounds} rounds (warm image)`);
console.log(`  by hand (docker CLI, sequential): ${fmt(byHand)} s; median ${median(byHand).toFixed(2)} s`);
console.log(`  socklab run (incl. teardown):     ${fmt(socklab)} s; median ${median(socklab).toFixed(2)} s`);
console.log(`  ratio socklab / by hand: ${(median(socklab) / median(byHand)).toFixed(2)}`);
