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

/** What ended a command early: a signal, or nobody reading its output any more (`| head`). */
export type Interruption = 'SIGINT' | 'SIGTERM' | 'EPIPE';

/** The shell's codes: 128 + SIGINT (2), SIGTERM (15), SIGPIPE (13). */
export const INTERRUPTED_EXIT: Record<Interruption, number> = { SIGINT: 130, SIGTERM: 143, EPIPE: 141 };

/**
 * Turns SIGINT/SIGTERM, and a closed standard output, into an abort, so the command can
 * tear its lab down before exiting (dying on EPIPE would leave the lab behind). A second
 * signal is answered with a note: teardown is already under way.
 */
export function abortOnSignals(onFirst: (reason: Interruption) => void): {
  signal: AbortSignal;
  received: () => Interruption | undefined;
  dispose: () => void;
} {
  const controller = new AbortController();
  let received: Interruption | undefined;
  const interrupt = (reason: Interruption) => {
    if (received) {
      if (reason !== 'EPIPE') process.stderr.write('socklab: still tearing the lab down; one moment.\n');
      return;
    }
    received = reason;
    if (reason !== 'EPIPE') onFirst(reason);
    controller.abort(new Error(reason === 'EPIPE' ? 'standard output was closed' : `interrupted by ${reason}`));
  };
  const onSignal = (signal: NodeJS.Signals) => interrupt(signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    interrupt('EPIPE');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Left in place: a write after the command ends must not crash on a closed pipe either.
    },
  };
}
