// Waiting for a group of engine operations as a whole.

/**
 * Waits for every operation before failing (with the first failure), so that nothing is
 * still being created while teardown lists what to remove, nor half-removed when the error
 * is reported. Returns the values in order.
 */
export async function settleAll<T>(operations: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(operations);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
