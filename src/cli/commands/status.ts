// `socklab status [LAB]` (and `socklab ps` with no host): the labs that are up, their
// hosts, addresses and the programs running in each; --json for tools; --watch redraws
// in place every few seconds until Ctrl+C.
import { LabSelectionError } from '../../lab/selection-error.js';
import { statusOf, type LabStatus } from '../../session/labs.js';
import { sleep } from '../../util/abort.js';
import { EXIT, UsageError } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { consoleStyle } from '../style.js';
import { formatLabs } from '../lab-table.js';

export interface StatusOptions {
  json?: boolean;
  watch?: boolean;
  /** Seconds between refreshes with --watch. */
  interval?: string;
}

const asJson = (labs: LabStatus[]) => JSON.stringify({ labs }, null, 2);

export async function statusCommand(labName: string | undefined, options: StatusOptions): Promise<number> {
  if (!options.watch) {
    const labs = await statusOf(labName);
    process.stdout.write(options.json ? `${asJson(labs)}\n` : formatLabs(labs, consoleStyle()));
    return EXIT.ok;
  }
  return watch(labName, options);
}

// Cursor home, then each line clears its own rest and the screen's rest is cleared last:
// the picture is replaced without the flicker of clearing the whole screen first.
const HOME = '\x1b[H';
const CLEAR_LINE_REST = '\x1b[K';
const CLEAR_SCREEN_REST = '\x1b[J';

async function watch(labName: string | undefined, options: StatusOptions): Promise<number> {
  const seconds = Number(options.interval ?? 2);
  if (!(seconds >= 0.5)) throw new UsageError(`--interval must be a number of seconds, at least 0.5 (got '${options.interval}')`);
  const stop = new AbortController();
  const stopListening = onInterrupt(() => stop.abort());
  const style = consoleStyle();
  try {
    if (!options.json) process.stdout.write('\x1b[2J');
    while (!stop.signal.aborted) {
      let text: string;
      try {
        const labs = await statusOf(labName, stop.signal);
        text = options.json ? JSON.stringify({ at: new Date().toISOString(), labs }) : formatLabs(labs, style);
      } catch (error) {
        if (stop.signal.aborted) break;
        // The lab may come and go while watched: say so and keep watching.
        if (!(error instanceof LabSelectionError)) throw error;
        text = options.json ? JSON.stringify({ at: new Date().toISOString(), labs: [], error: error.message }) : `${error.message}\n`;
      }
      if (options.json) {
        process.stdout.write(`${text}\n`);
      } else {
        const heading = style.dim(`socklab status, every ${seconds} s (Ctrl+C to stop), ${new Date().toLocaleTimeString()}`);
        const lines = [heading, '', ...text.trimEnd().split('\n')];
        process.stdout.write(`${HOME}${lines.map((line) => `${line}${CLEAR_LINE_REST}`).join('\n')}\n${CLEAR_SCREEN_REST}`);
      }
      await sleep(seconds * 1000, stop.signal).catch(() => undefined);
    }
    return EXIT.ok;
  } finally {
    stopListening();
  }
}
