// Whatever a program prints, socklab's memory stays bounded: 1 GB from a run step, from a
// start step, through `socklab exec`, and a 300 MB log through `socklab logs`, each with
// socklab's peak resident memory under 150 MB (measured by /usr/bin/time), the run ending
// normally and its lab torn down. Scenario files that never end (/dev/zero, a FIFO) are
// refused without being read.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { CLI, ROOT, findLeftovers, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();
const MAX_PEAK_MB = 150;
const work = mkdtempSync(join(tmpdir(), 'socklab-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Measured {
  code: number | null;
  output: string;
  /** Bytes socklab wrote to its standard output (counted, not kept). */
  stdoutBytes: number;
  peakMb: number;
}

/** Runs the CLI under /usr/bin/time, counting its standard output instead of keeping it. */
function measured(args: string[]): Promise<Measured> {
  const timeFile = join(work, `time-${Date.now()}`);
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdoutBytes = 0;
  let head = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (head.length < 200_000) head += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const peakKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      resolve({ code, output: head + stderr, stdoutBytes, peakMb: peakKb / 1024 });
    }),
  );
}

const report = (what: string, result: Measured) => process.stderr.write(`bounded memory: ${what}: peak ${result.peakMb.toFixed(0)} MB\n`);

describe("socklab's memory, whatever a program prints", () => {
  it('1 GB from a run step: the run passes, its folder keeps the first 256 MB, the lab is gone', { timeout: 300_000 }, async () => {
    const result = await measured(['run', 'test/e2e/scenarios/flood-run.yaml']);
    report('run step, 1 GB', result);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect(result.peakMb).toBeLessThan(MAX_PEAK_MB);
    const runId = runIdOf(result.output)!;
    const saved = join(ROOT, '.socklab/runs', `e2e-flood-run-${runId}`, 'programs', 'flood.out');
    expect(statSync(saved).size).toBeLessThan(257 * 1024 * 1024);
    expect(await findLeftovers(runtime, runId)).toEqual([]);
    rmSync(join(ROOT, '.socklab/runs', `e2e-flood-run-${runId}`), { recursive: true, force: true });
  });

  it('1 GB from a start step, followed live and checked to its last line', { timeout: 300_000 }, async () => {
    const result = await measured(['run', 'test/e2e/scenarios/flood-start.yaml']);
    report('start step, 1 GB', result);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect(result.peakMb).toBeLessThan(MAX_PEAK_MB);
    const runId = runIdOf(result.output)!;
    expect(await findLeftovers(runtime, runId)).toEqual([]);
    rmSync(join(ROOT, '.socklab/runs', `e2e-flood-start-${runId}`), { recursive: true, force: true });
  });

  it('1 GB through socklab exec, and a 300 MB log through socklab logs', { timeout: 400_000 }, async () => {
    const up = await runCli(['up', 'test/e2e/scenarios/flood-lab.yaml']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    try {
      const exec = await measured(['exec', 'e2e-flood-lab/noisy', '--', 'sh', '-c', "yes 'exec flood 0123456789 0123456789 0123456789' | head -c 1000000000"]);
      report('exec, 1 GB', exec);
      expect(exec.code).toBe(0);
      expect(exec.stdoutBytes).toBe(1_000_000_000);
      expect(exec.peakMb).toBeLessThan(MAX_PEAK_MB);

      const logs = await measured(['logs', 'e2e-flood-lab/noisy']);
      report('logs, 300 MB', logs);
      expect(logs.code).toBe(0);
      // Each line comes with its program's id in front: more bytes out than in.
      expect(logs.stdoutBytes).toBeGreaterThan(300_000_000);
      expect(logs.peakMb).toBeLessThan(MAX_PEAK_MB);
    } finally {
      const down = await runCli(['down', 'e2e-flood-lab']);
      expect(down.code, down.stderr).toBe(0);
      expect(await findLeftovers(runtime, runIdOf(up.stdout))).toEqual([]);
    }
  });
});

describe('scenario files that never end', () => {
  it('/dev/zero, a FIFO and a folder are refused at once, read not at all', async () => {
    const fifo = join(work, 'lesson.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const [file, message] of [
      ['/dev/zero', 'this is not a regular file (a device, a pipe or a socket)'],
      [fifo, 'this is not a regular file (a device, a pipe or a socket)'],
      [work, 'this is a folder'],
    ] as const) {
      const started = performance.now();
      const result = await measured(['run', file]);
      expect(result.code, file).toBe(2);
      expect(result.output).toContain(message);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(result.peakMb).toBeLessThan(MAX_PEAK_MB);
    }
    expect(readdirSync(work)).toContain('lesson.yaml');
  });
});
