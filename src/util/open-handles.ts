// What keeps a process alive, in words, for SOCKLAB_TRACE (cli/main.ts names what a finished
// command left open). Long-lived connections to the engine are labelled with the call they
// serve by the runtime that opens them; an engine request still under way names its path.
import { Socket } from 'node:net';

const labels = new WeakMap<object, string>();

/** Names a long-lived handle (an attached or hijacked engine stream) for describeOpenHandles. */
export function labelHandle<T extends object>(handle: T, what: string): T {
  labels.set(handle, what);
  return handle;
}

/** Node's list of the handles that keep its event loop alive (undocumented, in every version socklab supports). */
const activeHandles = (): object[] => (process as unknown as { _getActiveHandles?: () => object[] })._getActiveHandles?.() ?? [];

/** What keeps the process alive: Node's kinds of resources, then each handle other than the standard streams in words. */
export function describeOpenHandles(): string {
  const details = handlesInWords();
  return `${process.getActiveResourcesInfo().join(', ')}${details.length > 0 ? `; those in detail: ${details.join('; ')}` : ''}`;
}

function handlesInWords(): string[] {
  const standard = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  return activeHandles()
    .filter((handle) => !standard.has(handle))
    .map((handle) => {
      const label = labels.get(handle);
      if (label) return `engine stream (${label})`;
      const request = (handle as { _httpMessage?: { method?: string; path?: string } })._httpMessage;
      if (handle instanceof Socket && request) return `engine request ${request.method} ${request.path}`;
      return handle.constructor?.name ?? typeof handle;
    });
}
