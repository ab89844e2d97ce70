// `validate` type-checks TypeScript programs as tsc would (strict, Node's types, imports
// resolved as the bundler resolves them): each type error at the program's line and column.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { typeIssues } from '../../src/session/type-check.js';

function lesson(files: Record<string, string>, programs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-types-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const steps = programs.map((program) => `  - run: a\n    program: ${program}\n`).join('');
  writeFileSync(
    join(dir, 'lesson.yaml'),
    `name: unit-types\nnetworks:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  a: { networks: { lan: 10.0.0.10 } }\nsteps:\n${steps}`,
  );
  return join(dir, 'lesson.yaml');
}

describe('typeIssues', () => {
  it("names each type error at the program's line and column, strict, with Node's types", async () => {
    const file = lesson(
      {
        'server.ts':
          "import * as net from 'node:net';\nconst port: number = 'sixty';\nnet.createServer().listen(port);\nfunction greet(name) {\n  return name;\n}\ngreet(1, 2);\n",
        'fine.ts': "import { createServer } from 'node:net';\nimport { twice } from './lib/math';\ncreateServer().listen(twice(30000));\n",
        'lib/math.ts': 'export const twice = (n: number): number => n * 2;\n',
      },
      ['server.ts', 'fine.ts', 'server.ts'],
    );
    const loaded = await loadScenario(file);
    const issues = (await typeIssues([loaded])).get(loaded.file) ?? [];
    expect(issues.map(({ line, column, path, message, layer }) => ({ line, column, path, message, layer }))).toEqual([
      {
        line: 2,
        column: 7,
        path: 'steps.0.program',
        message: "program 'server.ts' does not type-check: TS2322: Type 'string' is not assignable to type 'number'.",
        layer: 'program',
      },
      {
        line: 4,
        column: 16,
        path: 'steps.0.program',
        message: "program 'server.ts' does not type-check: TS7006: Parameter 'name' implicitly has an 'any' type.",
        layer: 'program',
      },
      {
        line: 7,
        column: 10,
        path: 'steps.0.program',
        message: "program 'server.ts' does not type-check: TS2554: Expected 1 arguments, but got 2.",
        layer: 'program',
      },
    ]);
    expect(issues.every((issue) => issue.file.endsWith('server.ts'))).toBe(true);
  });

  it("checks a package's types from the scenario folder's node_modules, and not the package itself", async () => {
    const file = lesson(
      {
        'uses-package.ts': "import { greet } from 'greeter';\nconst n: number = greet('lab');\n",
        'node_modules/greeter/package.json': '{ "name": "greeter", "main": "index.js", "types": "index.d.ts" }',
        'node_modules/greeter/index.d.ts': 'export declare function greet(who: string): string;\nexport declare const broken: NotAType;\n',
      },
      ['uses-package.ts'],
    );
    const loaded = await loadScenario(file);
    const issues = (await typeIssues([loaded])).get(loaded.file) ?? [];
    expect(issues.map((issue) => issue.message)).toEqual([
      "program 'uses-package.ts' does not type-check: TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("finds nothing to say about the bundled lessons' programs", async () => {
    const loaded = await loadScenario('scenarios/nat-hole-punching.yaml');
    expect(await typeIssues([loaded])).toEqual(new Map());
  });
});
