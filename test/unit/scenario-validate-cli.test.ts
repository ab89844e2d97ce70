// `socklab validate` as a user runs it (the real CLI process, no engine): each invalid fixture
// is printed as file:line:col: path: message with exit code 2, one at a time or all in one
// invocation, and --json gives tools the same issues.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScenarioIssue } from '../../src/scenario/issues.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = 'test/fixtures/invalid';
type Row = Omit<ScenarioIssue, 'file'>;
const table = JSON.parse(readFileSync(join(ROOT, CORPUS, 'expected.json'), 'utf8')) as Record<string, Row>;
const fixtures = readdirSync(join(ROOT, CORPUS))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

function validate(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), 'validate', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The line the CLI prints for a fixture's one issue. */
function printed(name: string): string {
  const row = table[name]!;
  const where = `${CORPUS}/${name}:${row.line}:${row.column}`;
  return row.path ? `${where}: ${row.path}: ${row.message}` : `${where}: ${row.message}`;
}

describe('socklab validate on the invalid corpus', () => {
  // One fixture of each layer, and the ones whose bytes are hostile.
  const sample = [
    'file-empty.yaml',
    'file-binary-junk.yaml',
    'yaml-tab-indent.yaml',
    'yaml-alias-bomb.yaml',
    'schema-unknown-key-typo.yaml',
    'rule-duplicate-ip.yaml',
    'rule-program-missing.yaml',
  ];

  it.each(sample)('%s: prints file:line:col: path: message and exits 2', (name) => {
    const { code, stdout, stderr } = validate(`${CORPUS}/${name}`);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: `${printed(name)}\n`, stderr: '' });
  });

  it('all fixtures in one invocation: every issue printed, exit 2', () => {
    const { code, stdout } = validate(...fixtures.map((name) => `${CORPUS}/${name}`));
    expect(code).toBe(2);
    expect(stdout.trimEnd().split('\n')).toEqual(fixtures.map(printed));
  });

  it('--json gives every fixture with its issues, as data', () => {
    const { code, stdout } = validate('--json', ...fixtures.map((name) => `${CORPUS}/${name}`));
    expect(code).toBe(2);
    const results = JSON.parse(stdout) as { file: string; valid: boolean; issues: ScenarioIssue[] }[];
    expect(results).toEqual(fixtures.map((name) => ({ file: `${CORPUS}/${name}`, valid: false, issues: [{ file: `${CORPUS}/${name}`, ...table[name] }] })));
  });

  it('a valid scenario beside an invalid one: the valid one is named valid, the exit is still 2', () => {
    const { code, stdout } = validate('scenarios/tcp-hello.yaml', `${CORPUS}/rule-duplicate-ip.yaml`);
    expect(code).toBe(2);
    expect(stdout).toBe(`scenarios/tcp-hello.yaml: valid\n${printed('rule-duplicate-ip.yaml')}\n`);
    expect(validate('scenarios/tcp-hello.yaml')).toEqual({ code: 0, stdout: 'scenarios/tcp-hello.yaml: valid\n', stderr: '' });
  });

  it("a TypeScript program that builds but does not type-check: its errors at the program's line and column, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-validate-types-'));
    writeFileSync(join(dir, 'client.ts'), "import { connect } from 'node:net';\nconnect({ port: '60001' });\n");
    writeFileSync(
      join(dir, 'lesson.yaml'),
      'name: typed\nnetworks:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  a: { networks: { lan: 10.0.0.10 } }\nsteps:\n  - run: a\n    program: client.ts\n',
    );
    const { code, stdout } = validate(join(dir, 'lesson.yaml'));
    expect(code).toBe(2);
    expect(stdout).toMatch(/client\.ts:2:1: steps\.0\.program: program 'client\.ts' does not type-check: TS2769: No overload matches this call\./);
  });
});
