// `socklab __reap --image IMAGE RUN...` (hidden): what the reaper runs once the socklab
// process that made these runs is gone (lab/reaper.ts). It writes to the reaper's log.
import { reap } from '../../session/labs.js';
import { EXIT } from '../errors.js';

export async function reapCommand(runs: string[], options: { image: string }): Promise<number> {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [reaper ${process.pid}] ${line}\n`);
  log(`socklab process gone; removing run(s) ${runs.join(', ')}`);
  await reap(
    runs.filter((run) => /^[0-9a-f]{6}$/.test(run)),
    options.image,
    log,
  );
  return EXIT.ok;
}
