// The e2e suite runs against the real engine: no engine is a failure, never a skip.
// Before: the engine answers and the lab image exists (built if absent).
// After: nothing socklab created is left (containers, networks, DOCKER-USER rules).
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ensureLabImage } from '../../src/image/lab-image.js';
import { findLeftovers } from './helpers.js';

export async function setup(): Promise<void> {
  const runtime = new DockerRuntime();
  const info = await runtime.engineInfo(); // throws with instructions when absent
  const image = await ensureLabImage(runtime, (line) => process.stderr.write(`[image] ${line}\n`));
  process.stderr.write(`e2e: engine ${info.version} (API ${info.apiVersion}), image ${image.ref}\n`);
}

export async function teardown(): Promise<void> {
  const leftovers = await findLeftovers(new DockerRuntime());
  if (leftovers.length > 0) {
    throw new Error(`socklab objects left on the engine after the suite:\n  ${leftovers.join('\n  ')}`);
  }
}
