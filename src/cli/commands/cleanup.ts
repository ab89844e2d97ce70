// `socklab cleanup`: removes every object carrying a socklab label, and socklab's host rules.
import { labImageRef } from '../../image/lab-image.js';
import { teardownRun } from '../../lab/lab.js';
import { getRuntime } from '../context.js';

export async function cleanupCommand(): Promise<number> {
  const runtime = getRuntime();
  await runtime.engineInfo();
  const removed = await teardownRun(runtime, labImageRef());
  process.stdout.write(
    `removed ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)\n`,
  );
  return 0;
}
