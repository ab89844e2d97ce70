// Every lesson in scenarios/ (scanned, not listed: lessons are added all the time) names the
// editor schema on its first line and passes every validation layer.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkScenarioFile } from '../../src/scenario/load.js';
import { formatIssue } from '../../src/scenario/issues.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const SCHEMA_LINE = '# yaml-language-server: $schema=../schema/scenario.schema.json';
const lessons = readdirSync(SCENARIOS)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

describe('scenarios/', () => {
  it('holds lessons', () => {
    expect(lessons.length).toBeGreaterThan(0);
  });

  it.each(lessons)('%s starts with the yaml-language-server $schema line', (name) => {
    const firstLine = readFileSync(join(SCENARIOS, name), 'utf8').split('\n', 1)[0]!.trimEnd();
    expect(firstLine, `put this line first in scenarios/${name}:\n${SCHEMA_LINE}`).toBe(SCHEMA_LINE);
  });

  it.each(lessons)('%s validates', async (name) => {
    const result = await checkScenarioFile(join(SCENARIOS, name));
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
  });
});
