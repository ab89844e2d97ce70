// The engine's heavy calls wait their turn in socklab (src/util/slots.ts): never more than
// the slots at once, served in order, and a wait given up on an interruption leaves no
// slot taken.
import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/util/slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('slots for heavy engine calls', () => {
  it('runs at most `size` pieces of work at once, in the order they came', async () => {
    const slots = new Slots(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        slots.run(async () => {
          started.push(index);
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(started).toEqual([...Array(12).keys()]);
    expect(slots.queued).toBe(0);
  });

  it('gives the slot back when the work fails', async () => {
    const slots = new Slots(1);
    await expect(slots.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  it('stops waiting when the signal aborts, with its reason, and leaves no slot taken', async () => {
    const slots = new Slots(1);
    const release = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    expect(slots.queued).toBe(1);
    controller.abort(new Error('Ctrl+C'));
    await expect(waiting).rejects.toThrow('Ctrl+C');
    expect(slots.queued).toBe(0);
    release();
    release();
    // Released twice, it counts once: one slot, so a second holder waits.
    const first = await slots.acquire();
    let second = false;
    const next = slots.acquire().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    first();
    await next;
    expect(second).toBe(true);
  });

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
