// Waiting on one long-lived signal (a run's Ctrl+C) thousands of times: a `wait_for` polls
// every 100 ms, `status --watch` sleeps between redraws. Nothing may pile up on the signal
// (Node warns of a leak past 10 listeners), and an abort still ends the wait at once.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { deadline, poll, sleep, withDeadline } from '../../src/util/abort.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
process.on('warning', onWarning);
afterEach(() => {
  warnings.length = 0;
});

describe('waiting on one long-lived signal', () => {
  it('leaves no listener behind after many sleeps, polls and deadlines, and no leak warning', async () => {
    const run = new AbortController();
    for (let i = 0; i < 200; i += 1) await sleep(0, run.signal);
    let polls = 0;
    await poll(async () => (++polls === 50 ? 'ready' : undefined), { timeoutMs: 10_000, intervalMs: 1, signal: run.signal });
    for (let i = 0; i < 50; i += 1) await withDeadline(1_000, 'a short call', run.signal, async () => 'done');
    for (let i = 0; i < 50; i += 1) deadline(1_000, 'a disposed call', run.signal).dispose();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('ends a sleep and a poll at once when the signal aborts, with its reason', async () => {
    const run = new AbortController();
    const reason = new Error('interrupted by SIGINT');
    setTimeout(() => run.abort(reason), 20);
    const started = performance.now();
    await expect(sleep(60_000, run.signal)).rejects.toBe(reason);
    await expect(poll(async () => undefined, { timeoutMs: 60_000, signal: run.signal })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
