// socklab as a package: `npm pack` holds what a user runs (the built CLI, the lessons and
// programs, the schema, the image recipe, the docs) and no test; installed globally from
// that tarball into a prefix of its own, `socklab` works from an empty folder: a starter
// lesson from `socklab init` passes `socklab test`, and a bundled lesson runs by its name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'socklab-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const npm = (args: string[], cwd = ROOT) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('the npm package', () => {
  it('packs what a user runs, and no test', () => {
    const listing = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as { files: { path: string }[] }[];
    const files = listing[0]!.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/socklab.js',
        'dist/main.js',
        'scenarios/nat-pat.yaml',
        'programs/tcp-hello-server.ts',
        'programs/python/seed000_tcp_server.py',
        'schema/scenario.schema.json',
        'schema/results.schema.json',
        'images/lab/packages.txt',
        'docs/scenario-format.md',
        'README.md',
      ]),
    );
    expect(files.filter((file) => /(^|\/)test\/|\.test\.|^programs\/build\.ts$|^src\//.test(file))).toEqual([]);
  });

  it('installed globally from its tarball, runs validate, list, init, test and a lesson by name from an empty folder', { timeout: 300_000 }, () => {
    npm(['pack', '--pack-destination', work]);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!;
    const prefix = join(work, 'prefix');
    npm(['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(work, tarball)]);
    const empty = join(work, 'empty');
    execFileSync('mkdir', ['-p', empty]);
    writeFileSync(join(empty, 'mine.yaml'), 'name: mine\nnetworks:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  a: { networks: { lan: 10.0.0.10 } }\n');
    const socklab = (args: string[]) =>
      execFileSync(join(prefix, 'bin', 'socklab'), args, { cwd: empty, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(socklab(['validate', 'mine.yaml'])).toBe('mine.yaml: valid\n');
    expect(socklab(['list'])).toMatch(/│ nat-pat\s+│/);
    expect(socklab(['--version']).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // A starter lesson that passes as written; a bundled lesson by its name alone.
    expect(socklab(['init', 'demo'])).toMatch(/wrote demo\/lesson\.yaml/);
    expect(socklab(['test', 'demo'])).toMatch(/1 passed, 0 failed/);
    expect(socklab(['run', 'tcp-hello'])).toMatch(/✔ \d+ passed, 0 failed/);
  });
});
