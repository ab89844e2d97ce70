// The engine-free parts of `socklab test` and `socklab list`: which files a folder expands
// to, the exit code rule and the results table. Running the scenarios is e2e
// (test/e2e/lessons.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingPathError, findScenarioFiles } from '../../src/cli/commands/list.js';
import { exitCodeFor, formatGradingTable, formatResultsTable } from '../../src/cli/commands/test.js';
import { pendingResult, type ScenarioResult } from '../../src/session/test-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'socklab-test-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (name: string, status: ScenarioResult['status'], extra: Partial<ScenarioResult> = {}): ScenarioResult => ({
  ...pendingResult(`${name}.yaml`, name),
  status,
  seconds: 2.345,
  checksPassed: 3,
  checksTotal: 4,
  ...extra,
});

describe('findScenarioFiles', () => {
  it('expands a folder to its .yaml/.yml files, sorted, without sub-folders or other files', async () => {
    const lessons = join(dir, 'lessons');
    mkdirSync(join(lessons, 'fixtures'), { recursive: true });
    for (const name of ['b.yaml', 'a.yml', 'notes.md', 'fixtures/c.yaml']) writeFileSync(join(lessons, name), 'name: x\n');
    expect(await findScenarioFiles([lessons])).toEqual([join(lessons, 'a.yml'), join(lessons, 'b.yaml')]);
  });

  it('keeps files as given, each once', async () => {
    const file = join(dir, 'lessons', 'b.yaml');
    expect(await findScenarioFiles([file, join(dir, 'lessons')])).toEqual([file, join(dir, 'lessons', 'a.yml')]);
  });

  it('names a missing path and a folder without scenarios', async () => {
    await expect(findScenarioFiles([join(dir, 'nope')])).rejects.toThrow(MissingPathError);
    mkdirSync(join(dir, 'empty'));
    await expect(findScenarioFiles([join(dir, 'empty')])).rejects.toThrow(/no scenario files/);
  });
});

describe('exitCodeFor', () => {
  it('is 0 only when every scenario passed', () => {
    expect(exitCodeFor([result('a', 'pass'), result('b', 'pass')])).toBe(0);
    expect(exitCodeFor([result('a', 'pass'), result('b', 'fail')])).toBe(1);
    expect(exitCodeFor([result('a', 'pass'), result('b', 'not run')])).toBe(1);
  });

  it('is 2 when a file is invalid, and 130/143 when interrupted', () => {
    expect(exitCodeFor([result('a', 'fail'), result('b', 'invalid')])).toBe(2);
    expect(exitCodeFor([result('a', 'interrupted')], 'SIGINT')).toBe(130);
    expect(exitCodeFor([result('a', 'interrupted')], 'SIGTERM')).toBe(143);
  });

  it('is 3 when the engine failed a run, 1 for a student without a program', () => {
    expect(exitCodeFor([result('a', 'fail', { error: { message: 'the engine refused', during: 'bring-up', engine: true } })])).toBe(3);
    expect(exitCodeFor([result('a', 'fail', { error: { message: 'step 2: exit 1', during: 'steps', engine: false } })])).toBe(1);
    expect(exitCodeFor([result('a', 'pass'), result('b', 'no program')])).toBe(1);
  });
});

describe('formatResultsTable', () => {
  it('has one row per scenario with result, checks and seconds', () => {
    const table = formatResultsTable([result('udp-hello', 'pass', { checksPassed: 4 }), result('chat', 'fail'), result('bad.yaml', 'invalid')]);
    expect(table).toMatch(/│ 1 │ udp-hello\s+│ pass\s+│\s+4\/4 │\s+2\.3 │/);
    expect(table).toMatch(/│ 2 │ chat\s+│ fail\s+│\s+3\/4 │\s+2\.3 │/);
    expect(table).toMatch(/│ 3 │ bad\.yaml\s+│ invalid\s+│\s+- │\s+- │/);
  });
});

describe('formatGradingTable', () => {
  it('has one row per student with verdict, checks, seconds and the first failure, shortened', () => {
    const long = `step 2 on client: client exits 0 with the expected output: ${'x'.repeat(100)}`;
    const table = formatGradingTable([
      result('tcp-hello', 'pass', { student: 'alice', checksPassed: 4 }),
      result('tcp-hello', 'fail', {
        student: 'bob',
        failures: [{ step: 'step 2', host: 'client', subject: 'client exits 0 with the expected output', reason: 'x'.repeat(100) }],
      }),
      result('tcp-hello', 'no program', { student: 'carol', issues: ['none of the expected files: server.py'] }),
    ]);
    expect(table).toMatch(/│ 1 │ alice\s+│ pass\s+│\s+4\/4 │\s+2\.3 │\s+│/);
    expect(table).toContain(`│ 2 │ bob     │ fail       │    3/4 │     2.3 │ ${long.slice(0, 69)}… │`);
    expect(table).toMatch(/│ 3 │ carol\s+│ no program │\s+- │\s+- │ none of the expected files: server\.py\s+│/);
  });
});
