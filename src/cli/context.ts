// What commands share: the runtime and the lab image.
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { ensureLabImage } from '../image/lab-image.js';

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  runtime ??= new DockerRuntime();
  return runtime;
}

/** Engine reachable and lab image present (built on first use, with progress on stderr). */
export async function prepareEngine(signal?: AbortSignal): Promise<{ runtime: Runtime; image: string }> {
  const engine = getRuntime();
  await engine.engineInfo({ signal });
  const { ref } = await ensureLabImage(engine, (line) => process.stderr.write(`[image] ${line}\n`), { signal });
  return { runtime: engine, image: ref };
}
