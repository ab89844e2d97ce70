// What the fault-injection suite's sections share: running the real CLI (with its peak
// memory measured), reading what a run left on the engine, telling a crash from a clean
// failure, a seeded random source, and the result tables.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { listBridgeRules } from '../../src/lab/host-rules.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { sleep } from '../../src/util/abort.js';
import { CLI, ROOT } from '../e2e/helpers.js';

export const runtime = new DockerRuntime();
export const image = labImageRef();
export const scratch = mkdtempSync(join(tmpdir(), 'socklab-faults-'));
export const removeScratch = () => rmSync(scratch, { recursive: true, force: true });

export interface CliRun {
  pid: number;
  /** Everything printed so far (the first MB of each stream). */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited(): boolean;
  /** `killedBy`: the signal number that ended socklab, when one did (it had no say). */
  done: Promise<{ code: number | null; killedBy?: number; output: string; peakMb: number; seconds: number }>;
}

let timeFiles = 0;

/** Starts `socklab ARGS` under /usr/bin/time (for its peak memory), keeping at most 1 MB of each output. */
export function startSocklab(args: string[], env: Record<string, string> = {}): CliRun {
  const timeFile = join(scratch, `time-${timeFiles++}`);
  const started = performance.now();
  // time runs socklab as its child; signals go to socklab itself (see kill below).
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < 1e6) stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 1e6) stderr += chunk.toString();
  });
  const done = new Promise<Awaited<CliRun['done']>>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true;
      let report = '';
      try {
        report = readFileSync(timeFile, 'utf8');
      } catch {
        // time was killed with socklab: no figure
      }
      const peakKb = Number(report.trim().split('\n').pop()) || 0;
      // /usr/bin/time reports a child killed by signal N as "Command terminated by signal N".
      const killed = /terminated by signal (\d+)/.exec(report);
      resolve({
        code: killed ? null : code,
        ...(killed ? { killedBy: Number(killed[1]) } : signal ? { killedBy: osSignal(signal) } : {}),
        output: stdout + stderr,
        peakMb: peakKb / 1024,
        seconds: (performance.now() - started) / 1000,
      });
    }),
  );
  return {
    get pid() {
      return child.pid!;
    },
    output: () => stdout + stderr,
    // /usr/bin/time is the child; socklab is its only child: signal socklab itself.
    kill: (signal) => {
      void socklabPid(child.pid!).then((pid) => {
        try {
          process.kill(pid ?? child.pid!, signal);
        } catch {
          // already gone
        }
      });
    },
    exited: () => ended,
    done,
  };
}

export const osSignal = (name: NodeJS.Signals): number => ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 })[name as string] ?? 0;

/** The pid of socklab under /usr/bin/time (its only child). */
async function socklabPid(timePid: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const children = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim();
      if (children) return Number(children.split(' ')[0]);
    } catch {
      return undefined;
    }
    await sleep(10);
  }
  return undefined;
}

export async function runSocklab(args: string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}) {
  const run = startSocklab(args, options.env);
  const timer = options.timeoutMs ? setTimeout(() => run.kill('SIGINT'), options.timeoutMs) : undefined;
  const result = await run.done;
  clearTimeout(timer);
  return result;
}

/** A stack trace or an error class name in what socklab printed: a crash, not a handled failure. */
export function crashed(output: string): boolean {
  return /\n\s+at .+[:(]\d+:\d+\)?\s*$/m.test(output) || /\b(TypeError|ReferenceError|RangeError|SyntaxError|Unhandled|uncaught)\b/i.test(output);
}

/**
 * Every socklab object on the engine: containers, networks and host rules. Without `rules`
 * the host rules are not listed (that takes a helper container): for runs that never made a
 * network, which is when rules are made.
 */
export async function socklabObjects(options: { rules?: boolean } = {}): Promise<string[]> {
  const [containers, networks] = await Promise.all([runtime.listContainers([LABEL.run]), runtime.listNetworks()]);
  // The rules only after the containers: listing them takes a labelled helper container of
  // this check's own, which a listing at the same time would count as a leftover (seen once,
  // on a slow engine, as "leftovers 1 (container musing_galileo)").
  const rules = options.rules === false ? [] : await listBridgeRules(runtime, image);
  return [
    ...containers.map((container) => `container ${container.name}`),
    ...networks.filter((network) => LABEL.run in network.labels).map((network) => `network ${network.name}`),
    ...rules.map((rule) => `rule ${rule}`),
  ];
}

/** Waits until the engine holds no socklab object, up to `ms`; what is still there then. */
export async function leftoversAfter(ms: number, options: { rules?: boolean } = {}): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const objects = await socklabObjects(options);
    if (objects.length === 0 || Date.now() > until) return objects;
    await sleep(500);
  }
}

/** A small seeded random source (mulberry32), so a run of the suite can be repeated. */
export function random(seed: number): { next(): number; int(below: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (below) => Math.floor(next() * below), pick: (items) => items[Math.floor(next() * items.length)]! };
}

export interface Section {
  title: string;
  /** What the section does, in a sentence or two. */
  about: string;
  columns: string[];
  rows: string[][];
  /** The columns that must read 0 in every row. */
  zeroColumns: string[];
}

export function markdownTable(section: Section): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(section.columns), line(section.columns.map(() => '---')), ...section.rows.map(line)].join('\n');
}

/** The sum of each zero column, across the rows. */
export function totals(section: Section): Record<string, number> {
  return Object.fromEntries(
    section.zeroColumns.map((column) => {
      const index = section.columns.indexOf(column);
      return [column, section.rows.reduce((sum, row) => sum + (Number(row[index]) || 0), 0)];
    }),
  );
}
