// Waiting with a deadline and a way out. Every engine call and every command socklab runs
// in a host is bounded in time and can be interrupted (Ctrl+C); these are the pieces they
// share. node:timers/promises removes its abort listener when the timer fires, so a loop
// that sleeps thousands of times on one long-lived signal does not pile up listeners.
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A controller whose signal many operations may listen to at once: every host of every lab
 * being brought up or removed together (30 copies of a lesson are 120 hosts). Each operation
 * removes its listener when done (test/unit/abort.test.ts), so Node's warning at 10
 * listeners would be noise; a limit remains, far above any lab, to catch a real leak.
 */
export function fanOutController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(10_000, controller.signal);
  return controller;
}

/** Waits `ms`; rejects with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

/** Raised when something socklab waited for took longer than its deadline. */
class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${formatSeconds(ms)}`);
  }
}

export const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** A deadline's length in ms: fixed, or asked each time it is looked at (a deadline that may grow). */
export type DeadlineMs = number | (() => number);

const lengthOf = (deadline: DeadlineMs): number => (typeof deadline === 'function' ? deadline() : deadline);

/**
 * Calls `expire` once `deadline` has passed since now. A growing deadline is asked again
 * when it runs out, and the timer set again for what it has grown by. Returns the clearing.
 */
export function deadlineTimer(deadline: DeadlineMs, expire: () => void): () => void {
  const since = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(() => {
      const left = since + lengthOf(deadline) - Date.now();
      if (left > 0) arm(left);
      else expire();
    }, ms);
    // A deadline alone does not keep the process alive: the work it bounds does.
    timer.unref();
  };
  arm(lengthOf(deadline));
  return () => clearTimeout(timer);
}

export interface Deadline {
  /** Aborts when the parent does (with its reason) or when the time is up (with a DeadlineError). */
  readonly signal: AbortSignal;
  /** True when it was the deadline, not the parent, that aborted. */
  readonly expired: boolean;
  /** Releases the timer and the parent listener: call it when the work is done. */
  dispose(): void;
}

/**
 * A deadline of `ms` for `what`, joined with an optional parent signal. Unlike
 * AbortSignal.any, it lets go of the parent as soon as it is disposed, so short operations
 * under one long-lived signal leave nothing behind.
 */
export function deadline(ms: DeadlineMs, what: string, parent?: AbortSignal): Deadline {
  const controller = fanOutController();
  let expired = false;
  const onParentAbort = () => controller.abort(parent!.reason);
  const clearTimer = deadlineTimer(ms, () => {
    expired = true;
    controller.abort(new DeadlineError(what, lengthOf(ms)));
  });
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimer();
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Runs `work` under a deadline, always releasing it. */
export async function withDeadline<T>(ms: DeadlineMs, what: string, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const limit = deadline(ms, what, parent);
  try {
    return await work(limit.signal);
  } finally {
    limit.dispose();
  }
}

/** `promise`'s value, or the signal's reason as soon as it aborts (the work behind `promise` goes on). */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort = () => undefined as void;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => signal.addEventListener('abort', (onAbort = () => reject(signal.reason)), { once: true })),
    ]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * `promise`'s value, or `late` when it takes longer than `ms` (its timer cleared either way,
 * so a fast answer leaves nothing to keep the process alive).
 */
export async function orLate<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined, the
 * deadline passes (undefined) or the signal aborts (its reason is thrown). The one
 * polling loop socklab uses.
 */
export async function poll<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: DeadlineMs; intervalMs?: number; maxIntervalMs?: number; signal?: AbortSignal; wake?: Promise<unknown> },
): Promise<T | undefined> {
  const since = Date.now();
  // With maxIntervalMs the wait grows by half each time up to it: a long wait asks less often.
  let next = options.intervalMs ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    const left = since + lengthOf(options.timeoutMs) - Date.now();
    if (left <= 0) return undefined;
    const interval = Math.min(next, left);
    next = Math.min(next * 1.5, options.maxIntervalMs ?? next);
    // `wake` (something the check looks at has changed) cuts the wait short; an abort is
    // then seen at the next check, within one interval.
    await (options.wake ? orLate(options.wake, interval, undefined) : sleep(interval, options.signal));
  }
}
