// What socklab is busy with right now, in words: "removing container sl-nat-pat-client-ab12cd".
// Long operations register here while they run, so that a second Ctrl+C can say truthfully
// what socklab is still waiting for.

const current = new Map<number, string>();
let next = 0;

/** Runs `work`, listed as `what` while it runs. */
export async function busyWith<T>(what: string, work: () => Promise<T>): Promise<T> {
  const key = next++;
  current.set(key, what);
  try {
    return await work();
  } finally {
    current.delete(key);
  }
}

/** The operations under way, oldest first; at most `max` are named. */
export function describeActivity(max = 4): string {
  const items = [...current.values()];
  if (items.length === 0) return '';
  const named = items.slice(0, max).join(', ');
  return items.length > max ? `${named} and ${items.length - max} more` : named;
}
