// A runtime that writes every engine call, its start (ms since the process began) and its
// duration to stderr: SOCKLAB_TRACE=1 shows where a run's time goes (docs/performance.md).
import { performance } from 'node:perf_hooks';
import { traceLine } from '../util/trace.js';
import type { Runtime } from './runtime.js';

/** The first string argument of a call: the container, network or image it is about. */
function subject(args: unknown[]): string {
  const [first] = args;
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object') {
    const named = first as { name?: unknown; command?: unknown };
    if (typeof named.name === 'string') return named.name;
    if (Array.isArray(named.command)) return named.command.join(' ').slice(0, 60);
  }
  return '';
}

export function tracedRuntime(runtime: Runtime, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Runtime {
  return new Proxy(runtime, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const start = performance.now();
        const detail = [String(property), subject(args), property === 'exec' ? (args[1] as string[]).join(' ').slice(0, 60) : ''].filter(Boolean).join(' ');
        try {
          return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        } finally {
          traceLine(start, detail, write);
        }
      };
    },
  });
}
