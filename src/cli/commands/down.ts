// `socklab down [LAB...]`: removes labs that are up completely (containers, networks and the
// host rules of their bridges), named by name, run id or glob (`'class-*'`), all at once;
// `--all` removes everything socklab owns, as `cleanup` does. Both work from the engine's
// labels alone.
import { removeEverything, removeLabs } from '../../session/labs.js';
import { EXIT, UsageError } from '../errors.js';

export async function downCommand(patterns: string[], options: { all?: boolean }): Promise<number> {
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (options.all) {
    if (patterns.length > 0) throw new UsageError(`--all removes every lab; drop '${patterns.join(' ')}', or drop --all to remove only those.`);
    const removed = await removeEverything();
    process.stdout.write(
      `removed everything socklab owned: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`,
    );
    return EXIT.ok;
  }
  const done = await removeLabs(patterns);
  if (!done) {
    process.stdout.write('no lab is up; nothing to remove\n');
    return EXIT.ok;
  }
  const { labs, removed } = done;
  const what = labs.length === 1 ? `lab ${labs[0]!.name} (run ${labs[0]!.runId})` : `${labs.length} labs (${labs.map((lab) => lab.name).join(', ')})`;
  process.stdout.write(`removed ${what}: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`);
  return EXIT.ok;
}
