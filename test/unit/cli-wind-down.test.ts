// A finished command ends its process even when something it used left a handle open (main.ts,
// endSoonAfter): here a timer that would keep Node alive for ever, planted before the CLI loads.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LEAK = `data:text/javascript,${encodeURIComponent('setInterval(() => undefined, 60_000);')}`;

function validate(preload: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...preload, join(ROOT, 'bin/socklab.js'), 'validate', 'scenarios/tcp-hello.yaml'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', SOCKLAB_TRACE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Not a timing test: the vitest timeout only stops a CLI that hangs.
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a finished command', () => {
  it('ends its process although a handle is still open, with its own exit code, and says what was open', async () => {
    const { code, stderr } = await validate(['--import', LEAK]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/socklab: still open 3 s after the command ended: .*Timeout/);
  });

  it('says nothing when nothing is left open', async () => {
    const { code, stderr } = await validate([]);
    expect(code).toBe(0);
    expect(stderr).not.toContain('still open');
  });
});
