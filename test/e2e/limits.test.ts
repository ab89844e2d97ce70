// Every lab host is boxed in: a memory hog is killed by its memory limit and reported as
// such, a fork storm meets the pids limit and is still stopped (whole process group), a disk
// filler fills the host's in-memory folder rather than the engine's disk, the root
// filesystem is read-only, the CPU share is applied, and the other host and socklab go on
// working (test/e2e/scenarios/limits.yaml holds the checks that pass).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ROOT, findLeftovers, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();

describe('limits', () => {
  it('stop a memory hog and a fork storm, saying how; the rest of the lab and socklab keep working', { timeout: 180_000 }, async () => {
    const { code, stdout, stderr } = await runCli(['run', 'test/e2e/scenarios/limits.yaml']);
    const runId = runIdOf(stdout)!;
    const outputDir = join(ROOT, '.socklab/runs', `e2e-limits-${runId}`);
    try {
      expect(code, stdout.slice(-3000) + stderr).toBe(1);
      const report = JSON.parse(readFileSync(join(outputDir, 'report.json'), 'utf8')) as { verdicts: { step: string; failures: string[] }[]; error?: string };
      expect(report.error).toBeUndefined();
      const failed = report.verdicts.filter((verdict) => verdict.failures.length > 0);
      expect(failed.map((verdict) => [verdict.step, verdict.failures])).toEqual([
        ['step 2', ['it ended killed: out of memory, limit 512 MB (exit code 137), expected 0; stderr: "Killed"']],
        [
          'step 3',
          // The storm ends on SIGTERM, or, when its shells are too busy forking to die in time, on the SIGKILL after it.
          [
            expect.stringMatching(
              /^still running after 5 s; (stopped with SIGTERM \(its whole process group\): killed by SIGTERM|did not end on SIGTERM within 5 s, so SIGKILL was sent to its whole process group: killed by SIGKILL)$/,
            ),
          ],
        ],
      ]);
      // After the storm: nothing of it runs, the disk filler met its folder's end, the root is
      // read-only, the limits are those of the scenario, the victim and the bystander answer.
      expect(report.verdicts.filter((verdict) => verdict.failures.length === 0)).toHaveLength(6);
      expect(stdout).toMatch(/^victim +\| dd: error writing '\/root\/fill': No space left on device$/m);
      expect(await findLeftovers(runtime, runId)).toEqual([]);
    } finally {
      rmSync(outputDir, { recursive: true, force: true });
    }
  });
});
