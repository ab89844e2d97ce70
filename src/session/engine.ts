// The engine every use case talks to: one connection per process, checked before use, and
// made ready for a lab (the lab image built on first use).
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { tracedRuntime } from '../runtime/traced-runtime.js';
import { ensureLabImage } from '../image/lab-image.js';

let runtime: Runtime | undefined;

/** The engine, not yet asked anything. */
export function engine(): Runtime {
  runtime ??= process.env.SOCKLAB_TRACE ? tracedRuntime(new DockerRuntime()) : new DockerRuntime();
  return runtime;
}

/** The engine, once it has answered (an unreachable engine fails here, with what to do). */
export async function connectEngine(signal?: AbortSignal): Promise<Runtime> {
  const connected = engine();
  await connected.engineInfo({ signal });
  return connected;
}

/** What a lab needs of the engine: reachable, and the lab image present (built on first use, its progress given to `progress`). */
export async function prepareEngine(progress: (line: string) => void, signal?: AbortSignal): Promise<{ runtime: Runtime; image: string }> {
  const connected = await connectEngine(signal);
  const { ref } = await ensureLabImage(connected, progress, { signal });
  return { runtime: connected, image: ref };
}
