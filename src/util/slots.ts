// At most N pieces of work under way at once, the others waiting their turn in order. For
// the engine's heavy calls (creating, starting and removing containers and networks): a
// hundred at once do not finish sooner than a few at a time, since the engine does much
// of that work one at a time anyway, but each of them then waits in the engine's queue,
// inside its own deadline. Waiting here instead, a call's deadline starts when the engine
// takes it up, and a slow engine is told from a stuck one.

export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots must be a whole number of at least 1 (got ${size})`);
    this.free = size;
  }

  /** How many are waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot (or for the signal, whose reason it then throws); returns its release, which may be called more than once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const take = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const index = this.waiting.indexOf(take);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal!.reason);
        };
        this.waiting.push(take);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot goes straight to the next in line, or back to the free ones.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }

  /** Runs `work` in a slot. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }
}
