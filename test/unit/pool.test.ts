// The promise pool under `socklab test --jobs`: order of starts, the limit, and an abort
// that starts nothing more but waits for what is under way.
import { describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { runPool } from '../../src/util/pool.js';

describe('runPool', () => {
  it('keeps results in the items’ order whatever order they finish in', async () => {
    const times = [60, 10, 30, 5];
    const finished: number[] = [];
    const results = await runPool(
      times,
      async (ms, index) => {
        await delay(ms);
        finished.push(index);
        return `item ${index}`;
      },
      { jobs: 4 },
    );
    expect(results).toEqual(['item 0', 'item 1', 'item 2', 'item 3']);
    expect(finished).toEqual([3, 1, 2, 0]);
  });

  it('never runs more than `jobs` at once, and starts items in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await runPool(
      Array.from({ length: 9 }, (_, index) => index),
      async (item) => {
        started.push(item);
        running++;
        peak = Math.max(peak, running);
        await delay(5 + (item % 3) * 5);
        running--;
      },
      { jobs: 3 },
    );
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('runs one at a time with jobs 1', async () => {
    let running = 0;
    let peak = 0;
    await runPool(
      [1, 2, 3],
      async () => {
        peak = Math.max(peak, ++running);
        await delay(2);
        running--;
      },
      { jobs: 1 },
    );
    expect(peak).toBe(1);
  });

  it('after an abort starts nothing more, and returns only when the running work has ended', async () => {
    const controller = new AbortController();
    const ended: number[] = [];
    const results = await runPool(
      [0, 1, 2, 3, 4],
      async (item) => {
        if (item === 1) controller.abort();
        // The work sees the abort and stops by itself, a little later (a lab coming down).
        await delay(20);
        ended.push(item);
        return item;
      },
      { jobs: 2, signal: controller.signal },
    );
    expect(results).toEqual([0, 1, undefined, undefined, undefined]);
    expect(ended.sort()).toEqual([0, 1]);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    expect(await runPool([1, 2], async () => ++calls, { jobs: 2, signal: controller.signal })).toEqual([undefined, undefined]);
    expect(calls).toBe(0);
  });

  it('lets the others finish when one fails, then rethrows', async () => {
    const ended: number[] = [];
    await expect(
      runPool(
        [0, 1, 2],
        async (item) => {
          if (item === 0) throw new Error('boom');
          await delay(5);
          ended.push(item);
        },
        { jobs: 2 },
      ),
    ).rejects.toThrow('boom');
    expect(ended).toEqual([1, 2]);
  });

  it('refuses a limit below 1', async () => {
    await expect(runPool([1], async () => 1, { jobs: 0 })).rejects.toThrow(/at least 1/);
  });
});
