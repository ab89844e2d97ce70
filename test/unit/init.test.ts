// socklab init: a starter lesson that validates (programs type-checked too), whose schema
// modeline leads to socklab's schema from where it is written, and never over other files.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkScenarioFile } from '../../src/scenario/load.js';
import { InitError, initLesson } from '../../src/session/init.js';
import { programIssues } from '../../src/session/check-programs.js';
import { typeIssues } from '../../src/session/type-check.js';

describe('initLesson', () => {
  it('writes a lesson that validates, with a modeline editors resolve, and refuses to write over it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'socklab-init-')), 'first-lesson');
    const written = await initLesson(dir);
    expect(written.map((file) => file.slice(dir.length + 1))).toEqual(['lesson.yaml', 'server.ts', 'client.ts', 'README.md']);
    const text = readFileSync(join(dir, 'lesson.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)![1]!;
    expect(existsSync(resolve(dir, modeline))).toBe(true);
    expect(text).toContain('name: first-lesson');
    const checked = await checkScenarioFile(join(dir, 'lesson.yaml'));
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(await programIssues(checked.loaded)).toEqual([]);
    expect(await typeIssues([checked.loaded])).toEqual(new Map());
    await expect(initLesson(dir)).rejects.toBeInstanceOf(InitError);
  });
});
