// `socklab down [LAB]`: removes a lab that is up completely (containers, networks and the
// host rules of its bridges); `--all` removes everything socklab owns, as `cleanup` does.
// Both go through teardownRun, which works from the engine's labels alone.
import { teardownRun } from '../../lab/teardown.js';
import { imageForLab, listLabs, selectLab } from '../../lab/labs.js';
import { getRuntime } from '../context.js';
import { EXIT, UsageError } from '../errors.js';

export async function downCommand(labName: string | undefined, options: { all?: boolean }): Promise<number> {
  const runtime = getRuntime();
  await runtime.engineInfo();
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (options.all) {
    if (labName !== undefined) throw new UsageError(`--all removes every lab; drop '${labName}', or drop --all to remove only that one.`);
    const removed = await teardownRun(runtime, await imageForLab(runtime));
    process.stdout.write(`removed everything socklab owned: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`);
    return EXIT.ok;
  }
  const labs = await listLabs(runtime);
  if (labs.length === 0 && labName === undefined) {
    process.stdout.write('no lab is up; nothing to remove\n');
    return EXIT.ok;
  }
  if (labs.length > 1 && labName === undefined) {
    throw new UsageError(`${labs.length} labs are up: ${labs.map((lab) => `${lab.scenario} (run ${lab.runId})`).join(', ')}. Name one (socklab down NAME) or remove all (socklab down --all).`);
  }
  const lab = selectLab(labs, labName);
  const removed = await teardownRun(runtime, await imageForLab(runtime, lab), lab.runId);
  process.stdout.write(
    `removed lab ${lab.scenario} (run ${lab.runId}): ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s) in ${took()}\n`,
  );
  return EXIT.ok;
}
