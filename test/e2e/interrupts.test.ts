// Interruptions and deadlines: Ctrl+C, SIGTERM and SIGHUP tear a lab down within 5 s at any
// moment, a step that never ends is cut at its deadline (or by Ctrl+C), a second Ctrl+C says
// what socklab still waits for, stops reach whole process groups and escalate, and when
// socklab dies without cleaning up (SIGKILL) the reaper removes its lab. Labs kept up on
// purpose are never reaped, and `cleanup` removes only dead runs.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { currentOwner } from '../../src/lab/ownership.js';
import { listLabs } from '../../src/lab/labs.js';
import { REAPER_LOG } from '../../src/lab/reaper.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { sleep } from '../../src/util/abort.js';
import { ROOT, findLeftovers, runCli, runIdOf, startCli } from './helpers.js';

const runtime = new DockerRuntime();
const INTERRUPTED = 'test/e2e/scenarios/interrupted.yaml';
const TEARDOWN_LIMIT_MS = 5_000;

/** Waits until nothing of the run is left, up to `ms`; returns how long it took. */
async function goneWithin(runId: string, ms: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await findLeftovers(runtime, runId)).length === 0) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`run ${runId} still has ${(await findLeftovers(runtime, runId)).join(', ')} after ${ms} ms`);
    await sleep(500);
  }
}

describe('interrupting socklab run', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} in the middle of a lesson tears the lab down within 5 s and exits ${code}`, async () => {
      const cli = startCli(['run', INTERRUPTED]);
      await cli.waitFor(/▶ step 2 sleep/);
      const runId = runIdOf(cli.output())!;
      const sent = performance.now();
      cli.kill(signal);
      const result = await cli.result;
      const took = performance.now() - sent;
      expect(result.code).toBe(code);
      expect(result.stdout).toMatch(new RegExp(`${signal} received: stopping and tearing the lab down`));
      expect(took).toBeLessThan(TEARDOWN_LIMIT_MS);
      expect(await findLeftovers(runtime, runId)).toEqual([]);
      process.stderr.write(`interrupts: ${signal} -> exit ${code}, lab gone in ${(took / 1000).toFixed(1)} s\n`);
    });
  }
});

describe('a step that never ends', () => {
  it('is stopped at its deadline, and the run goes on', { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await runCli(['run', 'test/e2e/scenarios/hang-observe.yaml']);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/── a: echo looking; sleep infinity\nlooking\n\(no answer within 10 s: stopped\)/);
    expect(stdout).toMatch(/✔ echo after the hang exits 0/);
  });

  it('ends at Ctrl+C within 5 s; a second Ctrl+C says truthfully what socklab waits for', async () => {
    const cli = startCli(['run', 'test/e2e/scenarios/hang-observe.yaml']);
    await cli.waitFor(/▶ step 1 observe a/);
    await sleep(500);
    const runId = runIdOf(cli.output())!;
    const sent = performance.now();
    cli.kill('SIGINT');
    await cli.waitFor(/SIGINT received/);
    cli.kill('SIGINT');
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(performance.now() - sent).toBeLessThan(TEARDOWN_LIMIT_MS);
    // What it names is what was under way: removing this lab's objects.
    expect(result.stderr).toMatch(
      new RegExp(
        `socklab: still (removing container sl-e2e-hang-observe-a-${runId}|removing the rules on the engine host|removing network sl-e2e-hang-observe-lan-${runId}|stopping what was under way)`,
      ),
    );
    expect(result.stderr).toMatch(/interrupt once more to quit now \(the reaper then removes the lab\)/);
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });
});

describe('stopping programs', () => {
  it('reaches a whole pipeline, escalates to SIGKILL, and stops a run step past its time with its children', { timeout: 60_000 }, async () => {
    const { code, stdout } = await runCli(['run', 'test/e2e/scenarios/stops.yaml']);
    expect(code).toBe(1); // the slow run step, by design
    expect(stdout).toContain("'pipeline' stopped with SIGTERM (its whole process group): killed by SIGTERM");
    expect(stdout).toContain("'stubborn' did not end on SIGTERM within 5 s, so SIGKILL was sent to its whole process group: killed by SIGKILL");
    expect(stdout).toContain('still running after 2 s; stopped with SIGTERM (its whole process group): killed by SIGTERM');
    for (const gone of ['ping -i 0.2', 'sleep 1000', 'while :']) expect(stdout).toContain(`✔ a: no process '${gone}'`);
    expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
  });
});

describe('the reaper', () => {
  const reaped = (runId: string) => readFileSync(REAPER_LOG, 'utf8').includes(`reaped run ${runId}`);

  it('removes the lab of a socklab killed with SIGKILL mid-lesson, within 30 s', { timeout: 60_000 }, async () => {
    const cli = startCli(['run', INTERRUPTED]);
    await cli.waitFor(/▶ step 2 sleep/);
    const runId = runIdOf(cli.output())!;
    cli.kill('SIGKILL');
    await cli.result;
    const took = await goneWithin(runId, 30_000);
    expect(reaped(runId)).toBe(true);
    process.stderr.write(`reaper: lab of a SIGKILLed run gone in ${(took / 1000).toFixed(1)} s\n`);
  });

  it('removes what a socklab killed during bring-up had made', { timeout: 60_000 }, async () => {
    const cli = startCli(['run', INTERRUPTED]);
    await cli.waitFor(/creating \d+ network\(s\)/);
    const runId = runIdOf(cli.output())!;
    await sleep(300);
    cli.kill('SIGKILL');
    await cli.result;
    await goneWithin(runId, 30_000);
  });

  it('never removes a lab left up on purpose; cleanup keeps it and removes only dead runs', { timeout: 120_000 }, async () => {
    const up = await runCli(['up', INTERRUPTED]);
    expect(up.code, up.stderr).toBe(0);
    const keptRun = runIdOf(up.stdout)!;
    const kept = await runCli(['run', '--keep', 'scenarios/tcp-hello.yaml']);
    expect(kept.code, kept.stderr).toBe(0);
    const keptToo = runIdOf(kept.stdout)!;
    // A dead run: objects whose socklab process is gone (here, a pid that is no process).
    const deadRun = 'dead01';
    const deadOwner = `${currentOwner().machine}/999999/1`;
    await runtime.createNetwork({
      name: `sl-e2e-dead-lan-${deadRun}`,
      bridgeName: `sl-${deadRun}-0lan`,
      subnet: '10.91.62.0/24',
      gateway: '10.91.62.254',
      labels: { [LABEL.run]: deadRun, [LABEL.scenario]: 'e2e-dead', [LABEL.owner]: deadOwner, [LABEL.network]: 'lan' },
    });
    try {
      await sleep(12_000); // longer than any reaper takes
      const labs = await listLabs(runtime);
      expect(labs.find((lab) => lab.runId === keptRun)).toMatchObject({ kept: true, owner: 'dead' });
      expect(labs.find((lab) => lab.runId === keptToo)).toMatchObject({ kept: true });

      const doctor = await runCli(['doctor']);
      expect(doctor.stdout).toMatch(/dead run e2e-dead \(run dead01, its socklab process is gone\): 0 host\(s\), 1 network\(s\)/);

      const cleanup = await runCli(['cleanup']);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stdout).toContain('removed dead run e2e-dead (run dead01): 0 container(s), 1 network(s)');
      expect(cleanup.stdout).toContain(`kept e2e-interrupted (run ${keptRun}): up on purpose (socklab down NAME removes it)`);
      expect(cleanup.stdout).toContain(`kept tcp-hello (run ${keptToo}): up on purpose`);
      expect(await findLeftovers(runtime, deadRun)).toEqual([]);
      expect((await findLeftovers(runtime, keptRun)).length).toBeGreaterThan(0);
    } finally {
      for (const run of [keptRun, keptToo, deadRun]) await teardownRun(runtime, labImageRef(), run);
      rmSync(join(ROOT, '.socklab/runs', `tcp-hello-${keptToo}`), { recursive: true, force: true });
    }
    for (const run of [keptRun, keptToo]) expect(reaped(run)).toBe(false);
  });
});
