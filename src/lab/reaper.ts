// The reaper: whatever ends this process (SIGKILL, the out-of-memory killer, a crash, a
// closed terminal), the labs it was making or running are removed within seconds.
//
// In the style of testcontainers' Ryuk, a watcher outlives this process and knows its runs:
// it holds the read end of a pipe from this process, and the kernel closes the write end
// when this process dies, however it dies. The watcher is a detached `sh` (its own session,
// so the terminal's Ctrl+C and hang-up do not reach it) that costs next to nothing while it
// waits; only when the pipe closes with runs still registered does it start socklab again
// (`socklab __reap RUN...`) to remove them. A container with the engine's socket would also
// outlive a crashed machine on a remote engine, but it needs that socket mounted, a way to
// reach it from here, and a container per watcher; labs here run on the engine of the machine
// that runs socklab, where a process is enough.
//
// The protocol on the pipe is one line per change: `+RUN` when a run's first object is about
// to be made, `-RUN` when it is gone or kept on purpose (`up`, `run --keep`).
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import { sleep } from '../util/abort.js';
import { SOCKLAB_ROOT } from '../util/paths.js';
import { teardownRun } from './teardown.js';

export interface Reaper {
  /** From now on, the run is removed if this process dies. */
  watch(runId: string): void;
  /** The run is gone, or is to stay up: no longer the reaper's. */
  release(runId: string): void;
}

/** A reaper that does nothing: for tests on the in-memory runtime. */
export const NO_REAPER: Reaper = { watch: () => undefined, release: () => undefined };

/** Where the watchers write what they did. */
export const REAPER_LOG = join(tmpdir(), 'socklab-reaper.log');

/**
 * The watcher. Its arguments are the command to run with the runs left at the end. A run
 * id is six hex digits (checked before it is written), so the sed below cannot be misled.
 */
const REAPER_SCRIPT = [
  `runs=' '`,
  `while IFS= read -r line; do`,
  `  case $line in`,
  `    +*) runs="$runs\${line#+} " ;;`,
  `    -*) runs=$(printf '%s' "$runs" | sed "s/ \${line#-} / /") ;;`,
  `  esac`,
  `done`,
  `set -- "$@" $runs`,
  `[ -n "$(printf '%s' "$runs" | tr -d ' ')" ] && exec "$@"`,
  `exit 0`,
].join('\n');

class ProcessReaper implements Reaper {
  private pipe: Writable | undefined;
  private failed = false;

  constructor(private readonly image: string) {}

  private start(): Writable | undefined {
    if (this.pipe || this.failed) return this.pipe;
    let log: number | 'ignore' = 'ignore';
    try {
      log = openSync(REAPER_LOG, 'a');
    } catch {
      // no log then; the reaper works the same
    }
    const cli = join(SOCKLAB_ROOT, 'bin', 'socklab.js');
    const child = spawn('/bin/sh', ['-c', REAPER_SCRIPT, 'socklab-reaper', process.execPath, cli, '__reap', '--image', this.image], {
      detached: true,
      stdio: ['pipe', log, log],
      env: { ...process.env, NO_COLOR: '1' },
    });
    child.on('error', () => {
      this.failed = true;
      process.stderr.write(`socklab: could not start the reaper; should socklab die, 'socklab cleanup' removes what it left.\n`);
    });
    child.unref();
    const pipe = child.stdin!;
    // The open pipe must not keep this process alive; it closes when the process exits.
    (pipe as unknown as { unref?: () => void }).unref?.();
    pipe.on('error', () => undefined);
    this.pipe = pipe;
    return pipe;
  }

  watch(runId: string): void {
    if (!/^[0-9a-f]{6}$/.test(runId)) return;
    this.start()?.write(`+${runId}\n`);
  }

  release(runId: string): void {
    if (!/^[0-9a-f]{6}$/.test(runId)) return;
    this.pipe?.write(`-${runId}\n`);
  }
}

let shared: ProcessReaper | undefined;

/** The reaper of this process (one watcher for all its runs), started on first use. */
export function processReaper(image: string): Reaper {
  shared ??= new ProcessReaper(image);
  return shared;
}

/**
 * The watcher's work once its socklab process is gone: remove each run. Requests the dead
 * process had sent may still be landing on the engine, so it looks again a little later.
 */
export async function reapRuns(
  runtime: Runtime,
  image: string,
  runIds: string[],
  log: (line: string) => void,
  pauses: number[] = [1_000, 3_000, 6_000],
): Promise<void> {
  for (const [pass, pause] of pauses.entries()) {
    await sleep(pause);
    for (const runId of runIds) {
      try {
        const removed = await teardownRun(runtime, image, runId);
        const total = removed.containers + removed.networks + removed.rules;
        if (total > 0 || pass === 0) {
          log(`reaped run ${runId}: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)`);
        }
      } catch (error) {
        log(`reaping run ${runId} failed (pass ${pass + 1}): ${(error as Error).message}`);
      }
    }
  }
}
