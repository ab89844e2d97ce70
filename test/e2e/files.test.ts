// A host's `files` are copied in from the scenario's folder before the steps run: small ones
// with the host's setup script, bigger ones by a copy while it sets itself up.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FILES_IN_SETUP_MAX_BYTES } from '../../src/lab/files-in-setup.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, runCli, runIdOf } from './helpers.js';

it('copies files into /lab/files/ and to an explicit destination', async () => {
  const { code, stdout, stderr } = await runCli(['run', 'test/e2e/scenarios/files.yaml']);
  expect(code, stdout + stderr).toBe(0);
  expect(stdout.match(/^box \| hello from the scenario folder$/gm)).toHaveLength(2);
  expect(await findLeftovers(new DockerRuntime(), runIdOf(stdout))).toEqual([]);
});

it('writes small files with the host’s setup and copies a bigger one, byte for byte either way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-e2e-files-'));
  try {
    mkdirSync(join(dir, 'files'));
    // Past what goes in with the setup script (FILES_IN_SETUP_MAX_BYTES): copied in.
    const big = Buffer.from(Array.from({ length: FILES_IN_SETUP_MAX_BYTES + 1_000 }, (_, index) => (index * 7919) % 256));
    writeFileSync(join(dir, 'files/big.bin'), big);
    writeFileSync(join(dir, 'files/small.bin'), big.subarray(0, 5_000));
    const sums = (file: string) =>
      createHash('sha256')
        .update(readFileSync(join(dir, 'files', file)))
        .digest('hex');
    const scenario = (files: string[]) =>
      [
        'name: e2e-files-sizes',
        'networks:',
        '  lan: { subnet: 10.91.21.0/24 }',
        'hosts:',
        '  box:',
        '    networks: { lan: 10.91.21.10 }',
        `    files: [${files.map((file) => `files/${file}`).join(', ')}]`,
        'steps:',
        '  - run: box',
        `    command: 'cd /lab/files && sha256sum ${files.join(' ')}'`,
        '',
      ].join('\n');
    for (const files of [['small.bin'], ['small.bin', 'big.bin']]) {
      writeFileSync(join(dir, 'lesson.yaml'), scenario(files));
      const { code, stdout, stderr } = await runCli(['run', join(dir, 'lesson.yaml')]);
      expect(code, stdout + stderr).toBe(0);
      for (const file of files) expect(stdout).toContain(`box | ${sums(file)}  ${file}`);
      expect(await findLeftovers(new DockerRuntime(), runIdOf(stdout))).toEqual([]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
