// `socklab down [LAB]`: removes a lab that is up completely (containers, networks and the
// host rules of its bridges); `--all` removes everything socklab owns, as `cleanup` does.
// Both work from the engine's labels alone.
import { removeEverything, removeLab } from '../../session/labs.js';
import { EXIT, UsageError } from '../errors.js';

export async function downCommand(labName: string | undefined, options: { all?: boolean }): Promise<number> {
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (options.all) {
    if (labName !== undefined) throw new UsageError(`--all removes every lab; drop '${labName}', or drop --all to remove only that one.`);
    const removed = await removeEverything();
    process.stdout.write(
      `removed everything socklab owned: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`,
    );
    return EXIT.ok;
  }
  const done = await removeLab(labName);
  if (!done) {
    process.stdout.write('no lab is up; nothing to remove\n');
    return EXIT.ok;
  }
  const { lab, removed } = done;
  process.stdout.write(
    `removed lab ${lab.scenario} (run ${lab.runId}): ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`,
  );
  return EXIT.ok;
}
