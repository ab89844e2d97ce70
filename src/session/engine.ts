// The engine every use case talks to: one connection per process, checked before use, and
// made ready for a lab (the lab image built on first use).
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { tracedRuntime } from '../runtime/traced-runtime.js';
import { ensureLabImage, labImageRef } from '../image/lab-image.js';
import { untilAborted } from '../util/abort.js';
import { tracing } from '../util/trace.js';

let runtime: Runtime | undefined;

/** The engine, not yet asked anything. */
export function engine(): Runtime {
  runtime ??= tracing ? tracedRuntime(new DockerRuntime()) : new DockerRuntime();
  return runtime;
}

/** The engine, once it has answered (an unreachable engine fails here, with what to do). */
export async function connectEngine(signal?: AbortSignal): Promise<Runtime> {
  const connected = engine();
  await connected.engineInfo({ signal });
  return connected;
}

/** The answers of askEngineAhead, until prepareEngine takes them: is the lab image `ref` there. */
let askedAhead: { ref: string; present: Promise<boolean> } | undefined;

/**
 * Asks the engine what prepareEngine needs to know (is it there, has it the lab image)
 * without waiting for the answers: a command that brings a lab up calls this before it
 * reads its scenario, so the engine answers meanwhile. Nothing is made or built here;
 * a failure is said by prepareEngine, as if it had asked itself.
 */
export function askEngineAhead(): void {
  const connected = engine();
  const ref = labImageRef();
  const present = Promise.all([connected.engineInfo(), connected.findImage(ref)]).then(([, image]) => image !== undefined);
  present.catch(() => undefined);
  askedAhead = { ref, present };
}

/** What a lab needs of the engine: reachable, and the lab image present (built on first use, its progress given to `progress`). */
export async function prepareEngine(progress: (line: string) => void, signal?: AbortSignal): Promise<{ runtime: Runtime; image: string }> {
  const ahead = askedAhead;
  askedAhead = undefined;
  if (ahead && (await (signal ? untilAborted(ahead.present, signal) : ahead.present))) return { runtime: engine(), image: ahead.ref };
  const connected = await connectEngine(signal);
  const { ref } = await ensureLabImage(connected, progress, { signal });
  return { runtime: connected, image: ref };
}
