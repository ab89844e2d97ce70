// How long each scenario took the last time `socklab test` ran it, kept beside the runs
// (.socklab/test-durations.json), so that the next run starts the longest first: with several
// jobs, the last lab to finish is then a short one started late, not a long one (the
// longest-processing-time-first rule; test runners such as Jest order by the durations they
// remember for the same reason). Scenarios never timed go first: they may be the longest.
// A file that cannot be read or written only costs the ordering.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const DURATIONS_FILE = '.socklab/test-durations.json';

export type Durations = ReadonlyMap<string, number>;

export function readDurations(file = DURATIONS_FILE): Durations {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!stored || typeof stored !== 'object') return new Map();
    return new Map(Object.entries(stored).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] >= 0));
  } catch {
    return new Map();
  }
}

/** Adds what these runs took (finished runs only: pass or fail) to what is remembered. */
export function recordDurations(runs: readonly { file: string; status: string; seconds: number }[], file = DURATIONS_FILE): void {
  const merged = new Map(readDurations(file));
  for (const run of runs) if ((run.status === 'pass' || run.status === 'fail') && run.seconds > 0) merged.set(resolve(run.file), run.seconds);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`);
  } catch {
    // A read-only folder: the next run keeps the order of the files.
  }
}

/** The items, longest remembered first, never-timed ones before them; ties keep their order. */
export function longestFirst<T>(items: readonly T[], fileOf: (item: T) => string, durations: Durations): T[] {
  const seconds = (item: T) => durations.get(resolve(fileOf(item))) ?? Number.POSITIVE_INFINITY;
  return items
    .map((item, index) => ({ item, index, seconds: seconds(item) }))
    .sort((a, b) => (a.seconds === b.seconds ? a.index - b.index : b.seconds - a.seconds))
    .map(({ item }) => item);
}
