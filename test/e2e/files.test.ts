// A host's `files` are copied in from the scenario's folder before the steps run.
import { expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, runCli, runIdOf } from './helpers.js';

it('copies files into /lab/files/ and to an explicit destination', async () => {
  const { code, stdout, stderr } = await runCli(['run', 'test/e2e/scenarios/files.yaml']);
  expect(code, stdout + stderr).toBe(0);
  expect(stdout.match(/^box \| hello from the scenario folder$/gm)).toHaveLength(2);
  expect(await findLeftovers(new DockerRuntime(), runIdOf(stdout))).toEqual([]);
});
