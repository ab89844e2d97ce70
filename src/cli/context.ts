// What commands share: the runtime, the lab image, and interruption handling.
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { ensureLabImage } from '../image/lab-image.js';

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  runtime ??= new DockerRuntime();
  return runtime;
}

/** Engine reachable and lab image present (built on first use, with progress on stderr). */
export async function prepareEngine(): Promise<{ runtime: Runtime; image: string }> {
  const engine = getRuntime();
  await engine.engineInfo();
  const { ref } = await ensureLabImage(engine, (line) => process.stderr.write(`[image] ${line}\n`));
  return { runtime: engine, image: ref };
}

/**
 * Turns SIGINT/SIGTERM into an abort, so the command can tear down before exiting.
 * A second signal is answered with a note: teardown is already under way.
 */
export function abortOnSignals(onFirst: (signal: NodeJS.Signals) => void): { signal: AbortSignal; received: () => NodeJS.Signals | undefined; dispose: () => void } {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write('socklab: still tearing the lab down; one moment.\n');
      return;
    }
    received = signal;
    onFirst(signal);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
