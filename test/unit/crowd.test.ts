// Deadlines of getting ready grow with how many hosts and programs this process starts at
// once (src/util/crowd.ts), up to a bound; and a growing deadline is honoured by the timer
// and the poll that use it (src/util/abort.ts).
import { describe, expect, it } from 'vitest';
import { MAX_STRETCH, Crowd } from '../../src/util/crowd.js';
import { deadlineTimer, poll } from '../../src/util/abort.js';

describe('the crowd of start-ups', () => {
  it('leaves a deadline as written while there are no more start-ups than CPUs', () => {
    const crowd = new Crowd(2);
    const first = crowd.enter(10_000);
    const second = crowd.enter(10_000);
    expect(first.ms()).toBe(10_000);
    expect(second.ms()).toBe(10_000);
    expect(first.why()).toBeUndefined();
    expect(first.describe()).toBe('10 s');
  });

  it('stretches a deadline by start-ups per CPU, says why, and never beyond the bound', () => {
    const crowd = new Crowd(2);
    const deadlines = Array.from({ length: 6 }, () => crowd.enter(10_000));
    expect(deadlines[5]!.ms()).toBe(30_000);
    expect(deadlines[5]!.why()).toBe('6 hosts, programs and teardowns were under way at once on 2 CPUs, so it was stretched');
    expect(deadlines[5]!.describe()).toBe('30 s (6 hosts, programs and teardowns were under way at once on 2 CPUs, so it was stretched)');
    const more = Array.from({ length: 100 }, () => crowd.enter(10_000));
    expect(more[0]!.ms()).toBe(10_000 * MAX_STRETCH);
  });

  it('keeps the longest length a deadline has had: start-ups that end do not shorten it, and one that began alone grows when others come', () => {
    const crowd = new Crowd(2);
    const early = crowd.enter(1_000);
    expect(early.ms()).toBe(1_000);
    const others = Array.from({ length: 7 }, () => crowd.enter(1_000));
    expect(early.ms()).toBe(4_000);
    others.forEach((other) => other.leave());
    expect(crowd.size).toBe(1);
    expect(early.ms()).toBe(4_000);
    // A deadline that has left the crowd grows no more.
    early.leave();
    early.leave();
    expect(crowd.size).toBe(0);
    Array.from({ length: 20 }, () => crowd.enter(1_000));
    expect(early.ms()).toBe(4_000);
  });

  it('counts a start-up only while its work runs, whatever the work does', async () => {
    const crowd = new Crowd(1);
    await expect(
      crowd.within(100, async () => {
        expect(crowd.size).toBe(1);
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(crowd.size).toBe(0);
  });
});

describe('a deadline that may grow', () => {
  it('fires a timer once the deadline has passed, asking again when it runs out', async () => {
    let length = 50;
    const since = Date.now();
    const fired = new Promise<number>((resolve) => {
      deadlineTimer(
        () => length,
        () => resolve(Date.now() - since),
      );
    });
    setTimeout(() => (length = 250), 20);
    const elapsed = await fired;
    expect(elapsed).toBeGreaterThanOrEqual(240);
  });

  it('clears the timer: nothing fires after clearing', async () => {
    let fired = false;
    const clear = deadlineTimer(30, () => (fired = true));
    clear();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(fired).toBe(false);
  });

  it('polls until a grown deadline, and ends at the written one when it does not grow', async () => {
    let length = 60;
    const since = Date.now();
    setTimeout(() => (length = 300), 20);
    expect(await poll(async () => undefined, { timeoutMs: () => length, intervalMs: 10 })).toBeUndefined();
    expect(Date.now() - since).toBeGreaterThanOrEqual(290);
    const fixed = Date.now();
    expect(await poll(async () => undefined, { timeoutMs: 60, intervalMs: 10 })).toBeUndefined();
    expect(Date.now() - fixed).toBeLessThan(290);
  });
});
