// A small promise pool: at most `jobs` pieces of work under way at once, started in the
// order of the items, so the first items finish first when they take as long as the rest.
// An abort starts nothing more; the work already under way is awaited (each piece has the
// signal and stops itself, tearing its lab down), so the pool never returns while a lab is
// still coming down.

export interface PoolOptions {
  /** How many pieces of work may run at once (at least 1). */
  jobs: number;
  /** Once aborted, no further item is started. */
  signal?: AbortSignal;
}

/**
 * Runs `work` on every item, `jobs` at a time. Returns, in the items' order, each result, or
 * `undefined` for an item that was never started (the signal aborted first). A rejected
 * piece of work does not stop the others: its error is rethrown once all have settled.
 */
export async function runPool<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>, options: PoolOptions): Promise<(R | undefined)[]> {
  if (!Number.isInteger(options.jobs) || options.jobs < 1) throw new RangeError(`jobs must be a whole number of at least 1 (got ${options.jobs})`);
  const results: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && !options.signal?.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
