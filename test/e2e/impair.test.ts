// Impairments on a real engine: a rate and a loss work on every engine (netem, or tbf and
// iptables statistic without it); a delay is made where the kernel has netem, and where it
// has not, `run` and `validate` refuse it at its line before anything is created.
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { netemSupport } from '../../src/lab/impairments.js';
import { findLeftovers, observedSection, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();

describe('impairments', () => {
  it('limit the rate of a network and lose what arrives at a host, without failing any send', async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/impair.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(observedSection(run.stdout, 'server', 'tc qdisc show')).toMatch(/qdisc (tbf|netem) .*rate 1Mbit/);
    expect(run.stdout).not.toContain('EPERM');
    expect(run.stdout).toMatch(/✔ 4 passed, 0 failed/);
    expect(await findLeftovers(runtime, runIdOf(run.stdout))).toEqual([]);
  }, 120_000);

  it('make a delay with netem, or refuse it at its line where the kernel has no netem', async () => {
    const support = await netemSupport(runtime, labImageRef());
    const run = await runCli(['run', 'test/e2e/scenarios/impair-delay.yaml']);
    const validate = await runCli(['validate', 'test/e2e/scenarios/impair-delay.yaml']);
    if (support.netem) {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/time=(1\d\d|[2-9]\d\d)(\.\d+)? ms/);
      expect(validate.code).toBe(0);
    } else {
      const refusal =
        /impair-delay\.yaml:4:50: networks\.lan\.impair\.delay: delay needs tc netem, which this engine's kernel lacks \(.+\); remove it, or run on a kernel with netem/;
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).toMatch(refusal);
      expect(run.stdout + run.stderr).toMatch(/nothing was created/);
      expect(validate.code).toBe(2);
      expect(validate.stdout).toMatch(refusal);
    }
    expect(await runtime.listContainers({ [LABEL.scenario]: 'e2e-impair-delay' })).toEqual([]);
  }, 120_000);
});
