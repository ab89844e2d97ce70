// The benchmark runner's pure parts (scripts/bench/report.ts): medians, ratios and targets,
// the markdown table; the scenario it generates; and the parallel floor's host settings,
// which must stay those socklab gives a host, or the floor measures something else.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manyHostsScenario } from '../../scripts/bench/cases.js';
import {
  formatRatio,
  formatTarget,
  markdownTable,
  median,
  performanceMarkdown,
  resultsTable,
  rowRatio,
  roundsTable,
  tableCells,
  verdict,
  type ResultRow,
} from '../../scripts/bench/report.js';
import { planLab } from '../../src/lab/plan.js';
import { checkScenarioText } from '../../src/scenario/load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const series = (label: string, ...values: number[]) => ({ label, values });

describe('median', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([2.5])).toBe(2.5);
  });
  it('is the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
  it('refuses no values', () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('ratios and targets', () => {
  const row = (socklab: number[], baseline: number[], max = 0.8): ResultRow => ({
    case: 'c',
    unit: 's',
    socklab: series('socklab', ...socklab),
    baseline: series('base', ...baseline),
    target: { kind: 'ratio', max },
  });

  it("is socklab's median over the baseline's, printed with two decimals", () => {
    expect(rowRatio(row([3, 2, 100], [4, 5, 1]))).toBeCloseTo(0.75);
    expect(formatRatio(0.7499)).toBe('0.75x');
    expect(formatRatio(1.2)).toBe('1.20x');
  });
  it('meets a ratio target at or under it, as printed, and misses it above', () => {
    expect(verdict(row([3], [4]))).toBe('met');
    expect(verdict(row([8.004], [10]))).toBe('met'); // prints 0.80x
    expect(verdict(row([8.1], [10]))).toBe('missed');
  });
  it('meets a value target only under it', () => {
    const memory = (value: number): ResultRow => ({ case: 'm', unit: 'MB', socklab: series('rss', value), target: { kind: 'value', max: 150 } });
    expect(verdict(memory(149))).toBe('met');
    expect(verdict(memory(150))).toBe('missed');
    expect(formatTarget({ kind: 'value', max: 150 }, 'MB')).toBe('< 150 MB');
    expect(formatTarget({ kind: 'ratio', max: 1.15 }, 's')).toBe('≤ 1.15x');
  });
  it('says "not measured", with the reason, when a side has no figures', () => {
    const skipped: ResultRow = { case: 'lessons', unit: 's', target: { kind: 'ratio', max: 0.5 }, note: 'not available yet' };
    expect(verdict(skipped)).toBe('not measured');
    expect(tableCells(skipped)).toEqual(['lessons', '—', '—', '—', '—', '≤ 0.50x', 'not measured: not available yet', '0']);
    const noBaseline: ResultRow = { case: 'c', unit: 's', socklab: series('s', 1), baseline: series('compose', ...[]), note: 'compose missing' };
    expect(tableCells(noBaseline)[6]).toBe('not measured: compose missing');
  });
});

describe('markdown', () => {
  it('escapes pipes and line breaks in cells', () => {
    expect(markdownTable(['a', 'b'], [['x|y', 'one\ntwo']])).toBe('| a | b |\n| --- | --- |\n| x\\|y | one two |');
  });

  const rows: ResultRow[] = [
    {
      case: 'tcp-hello',
      unit: 's',
      socklab: series('socklab run', 2, 2.2, 2.1),
      baseline: series('docker CLI', 3, 3.1, 2.9),
      target: { kind: 'ratio', max: 0.8 },
    },
    { case: 'hosts', unit: 's', socklab: series('socklab up', 30), baseline: series('floor', 20), target: { kind: 'ratio', max: 1.15 } },
    { case: 'rss', unit: 'MB', socklab: series('peak', 95.6), target: { kind: 'value', max: 150 } },
  ];

  it('has a row per case and baseline with medians, ratio, target and verdict', () => {
    expect(resultsTable(rows).split('\n')).toEqual([
      '| case | socklab median | baseline | baseline median | ratio | target | met | rounds |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      '| tcp-hello | 2.10 s | docker CLI | 3.00 s | 0.70x | ≤ 0.80x | yes | 3 |',
      '| hosts | 30.00 s | floor | 20.00 s | 1.50x | ≤ 1.15x | **no** | 1 |',
      '| rss | 96 MB | — | — | — | < 150 MB | yes | 1 |',
    ]);
  });

  it('lists every round of every subject once', () => {
    expect(roundsTable(rows)).toContain('| tcp-hello | docker CLI | 3.00 s, 3.10 s, 2.90 s |');
    expect(roundsTable([...rows, rows[0]!]).match(/\| tcp-hello \| socklab run \|/g)).toHaveLength(1);
  });

  it('writes the machine, the missed targets and how to rerun', () => {
    const text = performanceMarkdown({
      rows,
      command: 'npm run bench',
      about: ['About the cases.'],
      notes: ['compose was skipped'],
      machine: { cores: 2, memoryBytes: 24 * 1024 ** 3, engine: '20.10.24', node: 'v20.1.0', kernel: '6.1', date: new Date('2026-01-02T03:04:00Z') },
    });
    expect(text).toContain('Targets missed: hosts.');
    expect(text).toContain('- 2 cores, 24.0 GB of memory, Linux 6.1');
    expect(text).toContain('- Docker engine 20.10.24; Node v20.1.0');
    expect(text).toContain('- 2026-01-02 03:04 UTC');
    expect(text).toContain('- compose was skipped');
    expect(text).toContain('npm run bench -- --only nat-pat');
  });
});

describe('the generated scenario of many hosts', () => {
  it('is a valid scenario with that many hosts on one network', () => {
    const result = checkScenarioText('/tmp/bench-hosts.yaml', Buffer.from(manyHostsScenario(100, '10.250.100.0/24')));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(Object.keys(result.loaded.scenario.hosts)).toHaveLength(100);
    expect(Object.keys(result.loaded.scenario.networks)).toEqual(['lan']);
  });
});

describe('the parallel floor (scripts/baselines/docker-floor.sh)', () => {
  it("gives each host the settings socklab gives a host (src/lab/plan.ts, createContainer's init)", () => {
    const loaded = checkScenarioText('/tmp/floor.yaml', Buffer.from(manyHostsScenario(1, '10.250.100.0/24')));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const { spec } = planLab(loaded.loaded.scenario, { runId: 'abc123', image: 'lab' }).hosts[0]!;
    const expected = [
      ...spec.capAdd.flatMap((cap) => ['--cap-add', cap]),
      ...Object.entries(spec.sysctls).flatMap(([key, value]) => ['--sysctl', `${key}=${value}`]),
      '--init',
      ...['--memory', '--memory-swap'].flatMap((flag) => [flag, String(spec.limits.memoryBytes)]),
      ...['--pids-limit', String(spec.limits.pids), '--cpus', String(spec.limits.cpus)],
      ...(spec.readOnlyRoot ? ['--read-only'] : []),
      ...['--workdir', spec.workdir],
      ...Object.entries(spec.scratch).flatMap(([folder, bytes]) => ['--tmpfs', `${folder}:rw,exec,nosuid,nodev,size=${bytes}`]),
    ];
    const printed = spawnSync('bash', [join(ROOT, 'scripts/baselines/docker-floor.sh'), 'host-options'], { encoding: 'utf8' });
    expect(printed.status).toBe(0);
    const options = printed.stdout.trimEnd().split('\n');
    expect(options.slice(0, 2)).toEqual(['--label', 'socklab.run=bench-baseline']);
    expect(options.slice(2)).toEqual(expected);
  });
});
