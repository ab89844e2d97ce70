// NAT behaviours on real routers: a full cone lets a stranger reach a host's public port
// once the host has sent out, where a port-preserving NAT without it does not; the full
// cone's watcher is hidden from ps like socklab's other plumbing. (Port-preserving against
// symmetric is the nat-hole-punching lesson, run with the lessons.)
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, observedSection, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();

describe('NAT behaviours', () => {
  it('a full cone lets in whoever sends to the mapped port; without it, only the endpoint sent to', async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/full-cone.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/inside-open \| \(b'hello\\n', \('203\.0\.113\.50', \d+\)\)/);
    expect(run.stdout).toMatch(/inside-shut \| TimeoutError: timed out/);
    const ps = observedSection(run.stdout, 'nat-open', 'ps');
    expect(ps).not.toMatch(/\/lab\/bin\/full-cone|conntrack -E/);
    expect(ps).toMatch(/hidden: \d+ process\(es\) of Docker and socklab/);
    expect(await findLeftovers(runtime, runIdOf(run.stdout))).toEqual([]);
  }, 120_000);
});
