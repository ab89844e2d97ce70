// bin/socklab.js runs the CLI from a bundle cached in node_modules/.cache (bin/cli-cache.js)
// instead of through tsx, for speed. This checks, on a copy of the checkout in a temporary
// folder, that the bundle can never be stale: a changed source file is rebuilt before it
// runs, an unchanged checkout reuses the bundle, and SOCKLAB_TSX=1 runs the sources directly.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'socklab-cli-cache-'));
const cache = join(copy, 'node_modules', '.cache', 'socklab-cli');

// The sources are copied; packages are linked one by one, so the copy's node_modules/.cache
// is its own and the real checkout's cache is never touched.
// Timestamps kept: a source file modified in the last second is taken for one being saved
// during the build, and the bundle is then not recorded as current.
cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true, preserveTimestamps: true });
cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true, preserveTimestamps: true });
cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
mkdirSync(join(copy, 'node_modules'));
for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
  if (entry !== '.cache') symlinkSync(join(ROOT, 'node_modules', entry), join(copy, 'node_modules', entry));
}
const scenario = join(copy, 'lesson.yaml');
writeFileSync(scenario, 'name: v3-cache\nnetworks:\n  lan: { subnet: 10.92.0.0/24 }\nhosts:\n  a: { networks: { lan: 10.92.0.300 } }\n');

afterAll(() => rmSync(copy, { recursive: true, force: true }));

function validate(env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(copy, 'bin/socklab.js'), 'validate', scenario], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, SOCKLAB_TSX: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const builds = () => readdirSync(cache).filter((name) => name.startsWith('build-')).sort();
const manifest = () => JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as { entry: string; inputs: Record<string, unknown> };

describe('the CLI start cache', () => {
  it('builds on first use and runs the bundle', () => {
    const { code, stdout } = validate();
    expect(code).toBe(2);
    expect(stdout).toContain("hosts.a.networks.lan: expected an IPv4 address such as 10.0.0.10 (found '10.92.0.300').");
    expect(builds()).toHaveLength(1);
    expect(manifest().entry.startsWith(builds()[0]!)).toBe(true);
    // What validate runs is watched: the command, the loader, and the bundled packages.
    expect(Object.keys(manifest().inputs)).toEqual(
      expect.arrayContaining(['src/cli/main.ts', 'src/cli/commands/validate.ts', 'src/scenario/load.ts', 'src/scenario/schema-messages.ts']),
    );
  });

  it('reuses the bundle while nothing changed', () => {
    const before = builds();
    expect(validate().code).toBe(2);
    expect(builds()).toEqual(before);
  });

  it('rebuilds when a source file changed, so the change runs at once', () => {
    const file = join(copy, 'src/scenario/schema-messages.ts');
    const text = readFileSync(file, 'utf8');
    const changed = text.replace("`${withoutStop(issue.message)} (found '${input.value}').`", "`CHANGED ${withoutStop(issue.message)}`");
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    // Older than the build's own start: a file saved during a build is rebuilt again later.
    const past = new Date(Date.now() - 10_000);
    utimesSync(file, past, past);
    const before = builds();
    const { stdout } = validate();
    expect(stdout).toContain('hosts.a.networks.lan: CHANGED expected an IPv4 address such as 10.0.0.10');
    expect(builds()).not.toEqual(before);
    expect(validate().stdout).toContain('CHANGED'); // and the new bundle is the one kept
  });

  it('SOCKLAB_TSX=1 runs the sources through tsx', () => {
    const before = builds();
    const { code, stdout } = validate({ SOCKLAB_TSX: '1' });
    expect(code).toBe(2);
    expect(stdout).toContain('CHANGED expected an IPv4 address');
    expect(builds()).toEqual(before);
  });
});
