// `socklab __reap --image IMAGE RUN...` (hidden): what the reaper runs once the socklab
// process that made these runs is gone (lab/reaper.ts). It writes to the reaper's log.
import { reapRuns } from '../../lab/reaper.js';
import { getRuntime } from '../context.js';
import { EXIT } from '../errors.js';

export async function reapCommand(runs: string[], options: { image: string }): Promise<number> {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [reaper ${process.pid}] ${line}\n`);
  log(`socklab process gone; removing run(s) ${runs.join(', ')}`);
  await reapRuns(getRuntime(), options.image, runs.filter((run) => /^[0-9a-f]{6}$/.test(run)), log);
  return EXIT.ok;
}
