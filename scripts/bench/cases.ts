// The cases of `npm run bench`: each one runs socklab next to what a user would do instead,
// in alternating rounds, and returns rows for the table (scripts/bench/report.ts).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePrograms } from '../../programs/build.js';
import type { ResultRow, Series } from './report.js';
import { aptInstall, checkInterrupted, freeBlock, onPath, removeBaselineObjects, timed } from './process.js';

export interface BenchContext {
  root: string;
  image: string;
  quick: boolean;
  /** Folder for the programs' bundles and generated scenarios. */
  scratch: string;
  log: (line: string) => void;
  /** Remarks for the document (a baseline skipped, and why). */
  notes: string[];
}

export interface BenchCase {
  id: string;
  title: string;
  rounds: { full: number; quick: number };
  /** A paragraph for docs/performance.md: what runs, against what. */
  about: string;
  run(ctx: BenchContext, rounds: number): Promise<ResultRow[]>;
}

interface Subject {
  label: string;
  /** One measured run; returns the seconds it counts (and may record more on its own). */
  run(): Promise<number>;
  series: Series;
}

const subject = (label: string, run: () => Promise<number>): Subject => ({ label, run, series: { label, values: [] } });

/**
 * Runs the subjects in turn, round after round (baselines first, then socklab), so that drift
 * on the machine hits them alike. With `warmUp`, one unmeasured run of each first (caches:
 * the disk, the programs' bundles, the CLI).
 */
async function alternate(ctx: BenchContext, rounds: number, subjects: Subject[], warmUp: boolean): Promise<void> {
  if (warmUp) {
    ctx.log('  warm-up');
    for (const s of subjects) await s.run();
  }
  for (let round = 1; round <= rounds; round++) {
    for (const s of subjects) {
      checkInterrupted();
      const seconds = await s.run();
      s.series.values.push(seconds);
      ctx.log(`  round ${round}/${rounds}: ${s.label.padEnd(44)} ${seconds.toFixed(2)} s`);
    }
  }
}

const socklabArgs = (ctx: BenchContext, ...args: string[]) => [join(ctx.root, 'bin/socklab.js'), ...args];

/** Wall time of one socklab command. */
async function socklab(ctx: BenchContext, ...args: string[]): Promise<number> {
  return (await timed(process.execPath, socklabArgs(ctx, ...args), { cwd: ctx.root })).seconds;
}

/** A socklab command whose failure does not matter (removing what may not be there). */
async function socklabQuietly(ctx: BenchContext, ...args: string[]): Promise<void> {
  await timed(process.execPath, socklabArgs(ctx, ...args), { cwd: ctx.root, allowFailure: true });
}

async function script(ctx: BenchContext, name: string, args: string[] = [], env: Record<string, string> = {}): Promise<number> {
  return (await timed('bash', [join(ctx.root, 'scripts/baselines', name), ...args], { cwd: ctx.root, env: { IMAGE: ctx.image, ...env } })).seconds;
}

/** Whether `socklab COMMAND --help` mentions `option` (a feature that is still being added). */
function socklabHasOption(ctx: BenchContext, command: string, option: string): boolean {
  const help = spawnSync(process.execPath, socklabArgs(ctx, command, '--help'), { cwd: ctx.root, encoding: 'utf8' });
  return `${help.stdout}${help.stderr}`.includes(option);
}

/** Removes every baseline object left by `scripts`' own `down`, then by label. */
async function cleanBaselines(ctx: BenchContext, downs: [string, Record<string, string>?][]): Promise<void> {
  for (const [name, env] of downs) {
    await timed('bash', [join(ctx.root, 'scripts/baselines', name), 'down'], { cwd: ctx.root, env: { IMAGE: ctx.image, ...env }, allowFailure: true });
  }
  const left = removeBaselineObjects();
  if (left.length > 0) ctx.log(`  removed baseline leftovers: ${left.join(', ')}`);
}

/** The docker-compose command, installed from Debian's package when absent; or why not. */
function composeAvailable(ctx: BenchContext): string | undefined {
  if (onPath('docker-compose')) return undefined;
  const failure = aptInstall('docker-compose', ctx.log);
  if (failure) return `docker-compose is not installed and could not be (${failure})`;
  return onPath('docker-compose') ? undefined : 'docker-compose is still missing after installing the package';
}

const BY_HAND_ENV = { P: 'sl-bench-ref', BR: 'sl-bench', RUN_LABEL: 'bench-baseline' };

const tcpHello: BenchCase = {
  id: 'tcp-hello',
  title: 'tcp-hello full run',
  rounds: { full: 7, quick: 2 },
  about:
    '**tcp-hello full run.** `socklab run scenarios/tcp-hello.yaml` (up, the server started and waited for, the client, ' +
    'netstat and ps on both hosts, the expectations, down) against the same work done two other ways, with the same ' +
    "programs: the lesson's TypeScript programs, bundled once by the runner exactly as socklab bundles them (socklab " +
    'bundles them again inside its measured run). (a) `scripts/baselines/tcp-hello-docker-cli.sh`: a plain docker CLI ' +
    "script, one command after another (an internal network with the lesson's subnet, two `docker run -d` with fixed " +
    'addresses and the bundles mounted, the server started and waited for, the client run, `netstat` and `ps` through ' +
    '`docker exec`, the same expectations checked with grep, everything removed). (b) `scripts/baselines/tcp-hello-compose.sh`: ' +
    'the two hosts in `scripts/baselines/tcp-hello/docker-compose.yml`, `docker-compose up -d`, the same commands through ' +
    '`docker-compose exec`, `docker-compose down --timeout 0`. The baselines set no host rules, limits or read-only root; ' +
    'socklab does all of that within its time. Target: socklab at most 0.8 times the docker CLI script.',
  async run(ctx, rounds) {
    const programs = join(ctx.scratch, 'programs');
    await mkdir(programs, { recursive: true });
    await bundlePrograms(programs, ['tcp-hello-server', 'tcp-hello-client']);
    const env = { PROGRAMS: programs };
    const composeMissing = composeAvailable(ctx);
    if (composeMissing) {
      ctx.log(`  the docker-compose baseline is skipped: ${composeMissing}`);
      ctx.notes.push(`tcp-hello: the docker-compose baseline was skipped: ${composeMissing}.`);
    }
    const downs: [string, Record<string, string>?][] = [['tcp-hello-docker-cli.sh'], ...(composeMissing ? [] : [['tcp-hello-compose.sh'] as [string]])];
    await cleanBaselines(ctx, downs);
    const cli = subject('docker CLI script', () => script(ctx, 'tcp-hello-docker-cli.sh', [], env));
    const compose = subject('docker-compose up/exec/down', () => script(ctx, 'tcp-hello-compose.sh', [], env));
    const ours = subject('socklab run scenarios/tcp-hello.yaml', () => socklab(ctx, 'run', 'scenarios/tcp-hello.yaml'));
    try {
      await alternate(ctx, rounds, composeMissing ? [cli, ours] : [cli, compose, ours], true);
    } finally {
      await cleanBaselines(ctx, downs);
    }
    return [
      { case: 'tcp-hello full run', unit: 's', socklab: ours.series, baseline: cli.series, target: { kind: 'ratio', max: 0.8 } },
      { case: 'tcp-hello full run', unit: 's', socklab: ours.series, baseline: compose.series, note: composeMissing },
    ];
  },
};

const natPat: BenchCase = {
  id: 'nat-pat',
  title: 'nat-pat full run',
  rounds: { full: 7, quick: 2 },
  about:
    '**nat-pat full run.** `socklab run scenarios/nat-pat.yaml` (4 hosts, 3 networks, two routers with NAT, the capture, ' +
    'netstat and conntrack, the expectations, down) against `scripts/baselines/nat-pat-by-hand.sh`, the recipe that was ' +
    'first seen to work by hand with the docker CLI (three networks, the DOCKER-USER rule per bridge, four containers, ' +
    'routes and NAT, a server and a client through both routers, conntrack and netstat, everything removed), run with ' +
    '`IMAGE` set to the lab image. The lesson does more than the script (a capture; the connection held open 4 s, ' +
    "`--hold 4000`, so every hop can be watched; expectations): no target, the ratio is for information. The second row is socklab doing the script's " +
    'work and no more (`test/e2e/scenarios/bench-nat.yaml`: the same hosts, programs and observations).',
  async run(ctx, rounds) {
    await cleanBaselines(ctx, [['nat-pat-by-hand.sh', BY_HAND_ENV]]);
    const byHand = subject('by hand (nat-pat-by-hand.sh)', () => script(ctx, 'nat-pat-by-hand.sh', [], BY_HAND_ENV));
    const lesson = subject('socklab run scenarios/nat-pat.yaml', () => socklab(ctx, 'run', 'scenarios/nat-pat.yaml'));
    const sameWork = subject('socklab run bench-nat.yaml', () => socklab(ctx, 'run', 'test/e2e/scenarios/bench-nat.yaml'));
    try {
      await alternate(ctx, rounds, [byHand, lesson, sameWork], true);
    } finally {
      await cleanBaselines(ctx, [['nat-pat-by-hand.sh', BY_HAND_ENV]]);
    }
    return [
      { case: 'nat-pat full run', unit: 's', socklab: lesson.series, baseline: byHand.series },
      { case: "nat-pat, the by-hand script's work only", unit: 's', socklab: sameWork.series, baseline: byHand.series },
    ];
  },
};

/** How many lessons scenarios/ holds, as the case's name says. */
const LESSON_COUNT = readdirSync(fileURLToPath(new URL('../../scenarios/', import.meta.url))).filter((name) => name.endsWith('.yaml')).length;
const LESSONS_CASE = `the ${LESSON_COUNT} lessons (socklab test scenarios/)`;

const lessons: BenchCase = {
  id: 'lessons',
  title: LESSONS_CASE,
  rounds: { full: 3, quick: 1 },
  about:
    `**The ${LESSON_COUNT} lessons.** \`socklab test scenarios/\` with its default number of jobs against the same with \`--jobs 1\` ` +
    '(one lesson after another). Target: the default at most 0.5 times the sequential run.',
  async run(ctx, rounds) {
    if (!socklabHasOption(ctx, 'test', '--jobs')) {
      ctx.log('  not available yet: `socklab test --help` has no --jobs');
      return [{ case: LESSONS_CASE, unit: 's', target: { kind: 'ratio', max: 0.5 }, note: 'not available yet (`socklab test` has no `--jobs`)' }];
    }
    const sequential = subject('socklab test scenarios/ --jobs 1', () => socklab(ctx, 'test', 'scenarios/', '--jobs', '1'));
    const parallel = subject('socklab test scenarios/ (default --jobs)', () => socklab(ctx, 'test', 'scenarios/'));
    await alternate(ctx, rounds, [sequential, parallel], false);
    return [{ case: LESSONS_CASE, unit: 's', socklab: parallel.series, baseline: sequential.series, target: { kind: 'ratio', max: 0.5 } }];
  },
};

/** Candidate blocks for the floor's copies: /20s of 198.18.0.0/15 (benchmarking addresses). */
const FLOOR_BLOCKS = Array.from({ length: 32 }, (_, index) => `198.${18 + Math.floor(index / 16)}.${(index % 16) * 16}.0/20`);

const copies: BenchCase = {
  id: 'copies',
  title: 'copies of nat-pat up and down',
  rounds: { full: 3, quick: 1 },
  about:
    '**Copies of nat-pat up and down.** `socklab up scenarios/nat-pat.yaml --copies 30 --name bench` then ' +
    "`socklab down 'bench-*'`, against the parallel docker CLI floor (`scripts/baselines/docker-floor.sh up nat-pat 30 BLOCK`, " +
    'then `down`): the same 30 x 3 networks and 30 x 4 containers, every creation started at once and waited for, every ' +
    'removal too, with the container settings that matter for cost as socklab sets them (image, NET_ADMIN, sysctls, ' +
    'init, memory, swap, pids and CPU limits, read-only root with in-memory folders). Docker refuses overlapping ' +
    "subnets, so the floor's networks are /28s from a free /20 of 198.18.0.0/15. The floor sets no host rules and runs " +
    "no setup or programs; socklab's time includes them. Target: within 1.2 times the floor. (`--quick`: 5 copies.)",
  async run(ctx, rounds) {
    const count = ctx.quick ? 5 : 30;
    const name = `copies of nat-pat up and down (${count})`;
    if (!socklabHasOption(ctx, 'up', '--copies')) {
      ctx.log('  not available yet: `socklab up --help` has no --copies');
      return [{ case: name, unit: 's', target: { kind: 'ratio', max: 1.2 }, note: 'not available yet (`socklab up` has no `--copies`)' }];
    }
    await cleanBaselines(ctx, [['docker-floor.sh']]);
    await socklabQuietly(ctx, 'down', 'bench-*');
    const block = freeBlock(FLOOR_BLOCKS);
    const floor = subject(`docker CLI floor, in parallel (${count} copies)`, async () => {
      const up = await script(ctx, 'docker-floor.sh', ['up', 'nat-pat', String(count), block]);
      const down = await script(ctx, 'docker-floor.sh', ['down']);
      ctx.log(`    floor: up ${up.toFixed(2)} s, down ${down.toFixed(2)} s`);
      return up + down;
    });
    const ours = subject(`socklab up --copies ${count}, down 'bench-*'`, async () => {
      const up = await socklab(ctx, 'up', 'scenarios/nat-pat.yaml', '--copies', String(count), '--name', 'bench');
      ctx.log(`    socklab: up ${up.toFixed(2)} s`);
      const down = await socklab(ctx, 'down', 'bench-*');
      ctx.log(`    socklab: down ${down.toFixed(2)} s`);
      return up + down;
    });
    try {
      await alternate(ctx, rounds, [floor, ours], false);
    } finally {
      await socklabQuietly(ctx, 'down', 'bench-*');
      await cleanBaselines(ctx, [['docker-floor.sh']]);
    }
    return [{ case: name, unit: 's', socklab: ours.series, baseline: floor.series, target: { kind: 'ratio', max: 1.2 } }];
  },
};

/**
 * The many-hosts lab's name: its own per bench run, so that what an earlier run could not
 * remove (the engine sometimes keeps a network with "active endpoints" it no longer has)
 * does not stand in the way.
 */
const HOSTS_LAB = `bench-hosts-${randomBytes(2).toString('hex')}`;
/** Subnets for the many-hosts lab and its floor: the first two free /24s of 10.250.100.0 to 10.250.199.0. */
const HOSTS_SUBNETS = Array.from({ length: 100 }, (_, index) => `10.250.${100 + index}.0/24`);

/** A scenario of `count` hosts on one /24 and nothing else. */
export function manyHostsScenario(count: number, subnet: string, name = HOSTS_LAB): string {
  const prefix = subnet.split('.').slice(0, 3).join('.');
  if (count > 240) throw new RangeError('at most 240 hosts on one /24 here');
  const hosts = Array.from({ length: count }, (_, index) => `  h${index + 1}: { networks: { lan: ${prefix}.${index + 10} } }`);
  return [
    `# Generated by scripts/bench.ts: ${count} hosts on one network, for timing up and down.`,
    `name: ${name}`,
    `description: ${count} hosts on one network`,
    'networks:',
    `  lan: { subnet: ${subnet} }`,
    'hosts:',
    ...hosts,
    '',
  ].join('\n');
}

const manyHosts: BenchCase = {
  id: 'hosts',
  title: 'hosts on one network up and down',
  rounds: { full: 3, quick: 1 },
  about:
    '**100 hosts on one network up and down.** A generated scenario with 100 hosts on one /24 (10.250.100.0/24; the floor network takes the first free /24 from there on), ' +
    '`socklab up FILE` then `socklab down bench-hosts-XXXX`, against the parallel docker CLI floor with the same settings ' +
    '(`scripts/baselines/docker-floor.sh up hosts 100 SUBNET`, then `down`: one network, 100 `docker run -d &`, ' +
    "`wait`, removal in parallel). Also socklab's peak memory during `up` (`/usr/bin/time -f %M`, else the node " +
    "process's VmHWM). Targets: within 1.15 times the floor; peak RSS under 150 MB. (`--quick`: 20 hosts.)",
  async run(ctx, rounds) {
    const count = ctx.quick ? 20 : 100;
    const file = join(ctx.scratch, 'hosts', `${HOSTS_LAB}.yaml`);
    await mkdir(join(ctx.scratch, 'hosts'), { recursive: true });
    // The lab's subnet never reaches the engine; the floor's network needs a free one.
    const subnet = HOSTS_SUBNETS[0]!;
    const floorSubnet = freeBlock(HOSTS_SUBNETS);
    await writeFile(file, manyHostsScenario(count, subnet));
    if (!onPath('/usr/bin/time')) {
      const failure = aptInstall('time', ctx.log);
      if (failure) ctx.log(`  no /usr/bin/time (${failure}): reading the peak from /proc instead`);
    }
    await cleanBaselines(ctx, [['docker-floor.sh']]);
    await socklabQuietly(ctx, 'down', HOSTS_LAB);
    const memory: Series = { label: `socklab up (${count} hosts): peak RSS`, values: [] };
    const floor = subject(`docker CLI floor, in parallel (${count} hosts)`, async () => {
      const up = await script(ctx, 'docker-floor.sh', ['up', 'hosts', String(count), floorSubnet]);
      const down = await script(ctx, 'docker-floor.sh', ['down']);
      ctx.log(`    floor: up ${up.toFixed(2)} s, down ${down.toFixed(2)} s`);
      return up + down;
    });
    const ours = subject(`socklab up (${count} hosts), down`, async () => {
      const up = await timed(process.execPath, socklabArgs(ctx, 'up', file), { cwd: ctx.root, measureMemory: true });
      if (up.peakMb !== undefined) memory.values.push(up.peakMb);
      ctx.log(`    socklab: up ${up.seconds.toFixed(2)} s (peak RSS ${up.peakMb?.toFixed(0) ?? '?'} MB)`);
      const down = await socklab(ctx, 'down', HOSTS_LAB);
      ctx.log(`    socklab: down ${down.toFixed(2)} s`);
      return up.seconds + down;
    });
    try {
      await alternate(ctx, rounds, [floor, ours], false);
    } finally {
      await socklabQuietly(ctx, 'down', HOSTS_LAB);
      await cleanBaselines(ctx, [['docker-floor.sh']]);
    }
    const title = `${count} hosts on one network up and down`;
    return [
      { case: title, unit: 's', socklab: ours.series, baseline: floor.series, target: { kind: 'ratio', max: 1.15 } },
      { case: `${count} hosts: socklab's peak RSS during up`, unit: 'MB', socklab: memory, target: { kind: 'value', max: 150 } },
    ];
  },
};

export const CASES: BenchCase[] = [tcpHello, natPat, lessons, copies, manyHosts];

/** Every object the benchmark's baselines may have left, for the start and the end of a run. */
export async function removeEverything(ctx: BenchContext): Promise<void> {
  await cleanBaselines(ctx, [
    ['tcp-hello-docker-cli.sh'],
    ['nat-pat-by-hand.sh', BY_HAND_ENV],
    ['docker-floor.sh'],
    ...(onPath('docker-compose') ? [['tcp-hello-compose.sh'] as [string]] : []),
  ]);
}
