// The one place that turns interruptions into what the CLI does: Ctrl+C (SIGINT), SIGTERM,
// a closed terminal (SIGHUP) and a closed output pipe (`| head`, EPIPE). Commands that make
// a lab get an AbortSignal that stops whatever is under way, then tear the lab down; the
// second interruption says truthfully what socklab is still waiting for, the third quits at
// once and leaves the rest to the reaper. Commands that only look (exec, logs, capture,
// status) get the raw events to pass on.
import { describeActivity } from '../util/activity.js';
import { fanOutController } from '../util/abort.js';

export type Interruption = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'EPIPE';

/** The shell's codes: 128 + SIGINT (2), SIGTERM (15), SIGHUP (1), SIGPIPE (13). */
export const INTERRUPTED_EXIT: Record<Interruption, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, EPIPE: 141 };

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Writes that cannot fail: the terminal may be gone (EIO) or the pipe closed (EPIPE). */
export function say(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // nobody is listening any more
  }
}

let outputWatched = false;
const outputListeners = new Set<(reason: Interruption) => void>();

/**
 * A closed standard output is an interruption like Ctrl+C (dying on EPIPE would leave a lab
 * behind); a terminal that went away (EIO) is a hang-up. Errors on stderr are ignored.
 * The listeners stay: a write after the command ends must not crash on a closed pipe either.
 */
function watchOutput(): void {
  if (outputWatched) return;
  outputWatched = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    const reason: Interruption = error.code === 'EPIPE' ? 'EPIPE' : 'SIGHUP';
    for (const listener of outputListeners) listener(reason);
  });
  process.stderr.on('error', () => undefined);
}

/**
 * Calls `handler` on every interruption with how many came so far; returns the way to stop
 * listening. For commands that pass interruptions on (exec forwards Ctrl+C to the command).
 */
export function onInterrupt(handler: (reason: Interruption, count: number) => void): () => void {
  watchOutput();
  let count = 0;
  const fire = (reason: Interruption) => handler(reason, ++count);
  const onSignal = (signal: NodeJS.Signals) => fire(signal as Interruption);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  outputListeners.add(fire);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    outputListeners.delete(fire);
  };
}

export interface Interruptible {
  /** Aborts at the first interruption. */
  signal: AbortSignal;
  received(): Interruption | undefined;
  dispose(): void;
}

/**
 * For commands that make a lab: the first interruption aborts `signal` (after `onFirst`
 * has said so); the second says what is still under way; the third quits now, with the
 * reaper left to finish (it removes the lab within seconds of this process's end).
 */
export function interruptible(onFirst: (reason: Interruption) => void): Interruptible {
  const controller = fanOutController();
  let first: Interruption | undefined;
  const stop = onInterrupt((reason, count) => {
    if (count === 1) {
      first = reason;
      if (reason !== 'EPIPE') onFirst(reason);
      controller.abort(new InterruptedError(reason));
      return;
    }
    if (reason === 'EPIPE') return;
    if (count === 2) {
      const busy = describeActivity();
      say(`socklab: still ${busy ? busy : 'stopping what was under way'}; interrupt once more to quit now (the reaper then removes the lab).\n`);
      return;
    }
    say('socklab: quitting now; the reaper removes what is left of the lab.\n');
    process.exit(INTERRUPTED_EXIT[first ?? reason]);
  });
  return { signal: controller.signal, received: () => first, dispose: stop };
}

/** Why a command was cut short. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(readonly reason: Interruption) {
    super(reason === 'EPIPE' ? 'standard output was closed' : `interrupted by ${reason}`);
  }
}
