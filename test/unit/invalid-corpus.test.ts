// The corpus of invalid scenarios (test/fixtures/invalid/): one mistake per file, and for each
// the exact issue the validator reports: layer, line, column, dotted path and message. The
// table lives in expected.json beside the fixtures; a fixture without a row (or a row without
// a fixture) fails, so the corpus and its table cannot drift apart.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScenarioFile, MAX_SCENARIO_BYTES } from '../../src/scenario/load.js';
import { formatIssue, type ScenarioIssue } from '../../src/scenario/issues.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(ROOT, 'test/fixtures/invalid');
type Expected = Pick<ScenarioIssue, 'layer' | 'line' | 'column' | 'path' | 'message'>;
const table = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, Expected>;
const fixtures = readdirSync(CORPUS)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

async function issuesOf(file: string): Promise<ScenarioIssue[]> {
  const result = await checkScenarioFile(file);
  return result.ok ? [] : result.issues;
}

describe('the invalid corpus', () => {
  it('holds at least 40 fixtures, each with exactly one row in expected.json', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(table).sort()).toEqual(fixtures);
  });

  it('covers every layer: file, YAML, schema and rules', () => {
    const layers = new Set(Object.values(table).map((row) => row.layer));
    expect([...layers].sort()).toEqual(['file', 'rules', 'schema', 'yaml']);
  });

  it.each(fixtures)('%s gives its one issue, exactly', async (name) => {
    const file = join(CORPUS, name);
    const issues = await issuesOf(file);
    expect(issues.map(({ layer, line, column, path, message }) => ({ layer, line, column, path, message }))).toEqual([table[name]]);
    expect(issues[0]!.file).toBe(file);
  });
});

describe('hazards generated here rather than committed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a 5 MB file is refused by its size, before any parsing', async () => {
    const file = join(dir, 'huge.yaml');
    const line = '# padding padding padding padding padding padding padding padding padding padding\n';
    const header = 'name: v3-huge\nnetworks:\n  lan: { subnet: 10.92.0.0/24 }\nhosts:\n  server: { networks: { lan: 10.92.0.10 } }\n';
    writeFileSync(file, header + line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    expect(readFileSync(file).length).toBeGreaterThan(5 * MAX_SCENARIO_BYTES - 1);
    // Only the size check says this: the file is refused before it is read, let alone parsed.
    expect(await issuesOf(file)).toEqual([
      { file, line: 1, column: 1, path: '', layer: 'file', message: 'the file is 5.0 MB; a scenario is at most 1 MB. Is this the right file?' },
    ]);
  });

  it('a path that does not exist, and a folder, are reported as such', async () => {
    expect((await issuesOf(join(dir, 'nope.yaml')))[0]!.message).toBe('cannot read the scenario file: it does not exist. Check the path.');
    expect((await issuesOf(dir))[0]!.message).toBe('this is a folder; give the path of a scenario file (.yaml) inside it.');
  });
});

describe('all issues at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-all-at-once-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = async (text: string) => {
    const file = join(dir, 'three.yaml');
    writeFileSync(file, text);
    return (await issuesOf(file)).map((issue) => formatIssue({ ...issue, file: relative(dir, issue.file) }));
  };

  it('three rule mistakes give three issues, in file order', async () => {
    const issues = await check(
      [
        'name: v3-three',
        'networks:',
        '  lan: { subnet: 10.92.0.0/24 }',
        'hosts:',
        '  server: { networks: { lan: 10.92.1.10 } }', // outside the subnet
        '  client: { networks: { lan: 10.92.0.255 } }', // broadcast
        'steps:',
        '  - stop: nobody', // never started
      ].join('\n'),
    );
    expect(issues).toEqual([
      "three.yaml:5:30: hosts.server.networks.lan: 10.92.1.10 is outside network 'lan' (10.92.0.0/24); pick an address inside the subnet.",
      'three.yaml:6:30: hosts.client.networks.lan: 10.92.0.255 is the broadcast address of 10.92.0.0/24; hosts cannot use it.',
      "three.yaml:8:11: steps.0.stop: no program was started with id 'nobody' before this step; set 'id: nobody' on the start step that begins it.",
    ]);
  });

  it('three schema mistakes give three issues, each at its own line', async () => {
    const issues = await check(
      [
        'name: v3-three',
        'networks:',
        '  lan: { subnet: 10.92.0.0/33 }', // bad CIDR
        'hosts:',
        '  server: { networks: { lan: 10.92.0.10 }, rol: router }', // unknown key
        'steps:',
        '  - sleep: soon', // bad duration
      ].join('\n'),
    );
    expect(issues).toEqual([
      "three.yaml:3:18: networks.lan.subnet: expected an IPv4 subnet in CIDR form such as 10.0.0.0/24 (found '10.92.0.0/33').",
      "three.yaml:5:44: hosts.server.rol: unknown key 'rol': did you mean 'role'?",
      "three.yaml:7:12: steps.0.sleep: expected a duration such as 10, '500ms', '10s' or '2m' (found 'soon').",
    ]);
  });

  it('three YAML mistakes give three issues', async () => {
    const issues = await check(['name: v3-three', 'name: again', 'hosts:', '\tserver: {}', 'networks: "open'].join('\n'));
    expect(issues).toHaveLength(3);
    expect(issues.map((issue) => issue.split(':').slice(1, 3).join(':'))).toEqual(['2:1', '4:1', '5:11']);
  });
});
