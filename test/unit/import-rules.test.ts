// The import rules (.dependency-cruiser.cjs) hold for socklab's sources, and they bite: a
// small tree that breaks each of them fails the check, naming the rule and the import.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SOCKLAB_ROOT } from '../../src/util/paths.js';

const CRUISER = join(SOCKLAB_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(SOCKLAB_ROOT, '.dependency-cruiser.cjs');

function cruise(cwd: string) {
  const result = spawnSync(process.execPath, [CRUISER, 'src', '--config', CONFIG, '--output-type', 'err'], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const work = mkdtempSync(join(tmpdir(), 'socklab-imports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the import rules', () => {
  it("hold for socklab's sources", () => {
    const { code, output } = cruise(SOCKLAB_ROOT);
    expect(output).toContain('no dependency violations');
    expect(code).toBe(0);
  }, 60_000);

  it('fail a tree that breaks them, naming each rule broken', () => {
    const files: Record<string, string> = {
      // A command that reaches into the lab and makes its own engine.
      'src/cli/commands/bad.ts':
        "import { Lab } from '../../lab/lab.js';\nimport { DockerRuntime } from '../../runtime/docker/docker-runtime.js';\nexport const used = [Lab, DockerRuntime];\n",
      // Allowed: the reporting types.
      'src/cli/commands/fine.ts': "import type { Reporter } from '../../lab/reporter.js';\nexport type R = Reporter;\n",
      'src/lab/reporter.ts': 'export interface Reporter { info(message: string): void }\n',
      // dockerode outside the Docker runtime.
      'src/lab/lab.ts': "import Docker from 'dockerode';\nexport class Lab { docker = new Docker(); }\n",
      'src/runtime/docker/docker-runtime.ts': "import Docker from 'dockerode';\nexport class DockerRuntime { docker = new Docker(); }\n",
      // A cycle, and a lower layer that knows the lab.
      'src/util/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/util/b.ts': "import { a } from './a.js';\nimport { Lab } from '../lab/lab.js';\nexport const b = () => [a, Lab];\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    }
    copyFileSync(join(SOCKLAB_ROOT, 'tsconfig.json'), join(work, 'tsconfig.json'));
    symlinkSync(join(SOCKLAB_ROOT, 'node_modules'), join(work, 'node_modules'));

    const { code, output } = cruise(work);
    expect(code).not.toBe(0);
    expect(output).toMatch(/cli-goes-through-the-session-layer: src\/cli\/commands\/bad\.ts → src\/lab\/lab\.ts/);
    expect(output).toMatch(/cli-has-no-engine-of-its-own: src\/cli\/commands\/bad\.ts → src\/runtime\/docker\/docker-runtime\.ts/);
    expect(output).toMatch(/dockerode-only-in-the-docker-runtime: src\/lab\/lab\.ts → \S*node_modules\/dockerode\//);
    expect(output).toMatch(/no-cycles: src\/util\/a\.ts/);
    expect(output).toMatch(/the-lower-layers-know-no-lab: src\/util\/b\.ts → src\/lab\/lab\.ts/);
    // What the rules allow stays allowed.
    expect(output).not.toContain('fine.ts');
    expect(output).not.toMatch(/dockerode-only-in-the-docker-runtime: src\/runtime\/docker/);
  }, 60_000);
});
