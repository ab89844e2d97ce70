// A host's small files are written by its setup script (src/lab/files-in-setup.ts): run here
// by a real shell into a temporary folder, they come out byte for byte, with their modes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesInSetup } from '../../src/lab/files-in-setup.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-files-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** As a host runs its setup: read whole from the shell's input, then run with nothing to read. */
const runAsSetup = (script: string) => execFileSync('/bin/sh', ['-s'], { input: `set -e\n{\n${script}\n} </dev/null\n`, stdio: 'pipe' });

describe('files written by the setup script', () => {
  it('writes every byte of text and binary files into folders it makes, with their modes', async () => {
    const into = tempDir();
    const source = join(tempDir(), 'client.cjs');
    writeFileSync(source, "console.log('it''s \"quoted\" $HOME `x`');\n".repeat(2_000));
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 7919) % 256));
    const script = await filesInSetup([
      { path: `${into}/lab/programs/client.cjs`, source, size: statSync(source).size, mode: 0o755 },
      { path: `${into}/srv/it's here/data.bin`, content: binary },
    ]);
    expect(script).toBeDefined();
    runAsSetup(script!);
    expect(readFileSync(`${into}/lab/programs/client.cjs`)).toEqual(readFileSync(source));
    expect(statSync(`${into}/lab/programs/client.cjs`).mode & 0o777).toBe(0o755);
    expect(readFileSync(`${into}/srv/it's here/data.bin`)).toEqual(binary);
    expect(statSync(`${into}/srv/it's here/data.bin`).mode & 0o777).toBe(0o644);
  });

  it('leaves files bigger than the limit to be copied, and says which file it could not write', async () => {
    expect(await filesInSetup([{ path: '/srv/big', content: Buffer.alloc(2_000) }], 1_000)).toBeUndefined();
    const blocked = join(tempDir(), 'not-a-folder');
    writeFileSync(blocked, '');
    const script = await filesInSetup([{ path: `${blocked}/file`, content: Buffer.from('x') }]);
    expect(() => runAsSetup(script!.replace(/^mkdir -p .*\n/, ''))).toThrow(/could not write .*not-a-folder\/file in the host/);
  });
});
