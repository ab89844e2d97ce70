// `validate` builds a scenario's TypeScript and JavaScript programs as a run would: a syntax
// error or an import that cannot be found is an issue at the program's own line and column.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { programIssues } from '../../src/session/check-programs.js';

function lesson(files: Record<string, string>, steps: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-programs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(
    join(dir, 'lesson.yaml'),
    `name: unit-programs\nnetworks:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  a: { networks: { lan: 10.0.0.10 } }\nsteps:\n${steps}`,
  );
  return join(dir, 'lesson.yaml');
}

describe('programIssues', () => {
  it("names the program's line and column for a syntax error and for an import that is not there, once per program", async () => {
    const file = lesson(
      {
        'broken.ts': 'const x: number = 1;\nconsole.log(x +);\n',
        'lost.ts': "import { greet } from './nowhere';\ngreet();\n",
        'fine.ts': "import { createServer } from 'node:net';\ncreateServer().close();\n",
        'fine.py': 'print(\n',
      },
      '  - run: a\n    program: broken.ts\n  - run: a\n    program: broken.ts\n  - run: a\n    program: lost.ts\n  - run: a\n    program: fine.ts\n  - run: a\n    program: fine.py\n',
    );
    const issues = await programIssues(await loadScenario(file));
    expect(issues.map(({ line, column, path, message, layer }) => ({ line, column, path, message, layer }))).toEqual([
      {
        line: 2,
        column: 16,
        path: 'steps.0.program',
        message: `program 'broken.ts' does not build: Unexpected ")"; fix it, then validate again.`,
        layer: 'program',
      },
      {
        line: 1,
        column: 23,
        path: 'steps.2.program',
        message: `program 'lost.ts' does not build: Could not resolve "./nowhere"; fix it, then validate again.`,
        layer: 'program',
      },
    ]);
    expect(issues[0]!.file).toMatch(/broken\.ts$/);
    expect(issues[1]!.file).toMatch(/lost\.ts$/);
  });

  it("resolves npm packages from the scenario folder's node_modules", async () => {
    const file = lesson({ 'uses-package.ts': "import { greet } from 'greeter';\nconsole.log(greet('lab'));\n" }, '  - run: a\n    program: uses-package.ts\n');
    const dir = join(file, '..');
    mkdirSync(join(dir, 'node_modules', 'greeter'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'greeter', 'package.json'), '{ "name": "greeter", "main": "index.js" }');
    writeFileSync(join(dir, 'node_modules', 'greeter', 'index.js'), 'exports.greet = (who) => `hello ${who}`;\n');
    expect(await programIssues(await loadScenario(file))).toEqual([]);
  });

  it('finds nothing to say about programs that build', async () => {
    const file = lesson({ 'fine.ts': "console.log('hello');\n" }, '  - run: a\n    program: fine.ts\n');
    expect(await programIssues(await loadScenario(file))).toEqual([]);
  });
});
