// SOCKLAB_TRACE=1: a line on stderr for every engine call (runtime/traced-runtime.ts) and every
// command a host's agent ran (in-host/agent.ts), each with when it began (ms since the process
// started) and how long it took, so that a run shows where its time goes (docs/performance.md).
import { performance } from 'node:perf_hooks';

export const tracing = Boolean(process.env.SOCKLAB_TRACE);

export function traceLine(start: number, detail: string, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  write(`[trace] ${start.toFixed(0).padStart(6)} ms +${(performance.now() - start).toFixed(0).padStart(5)} ms  ${detail}`);
}
