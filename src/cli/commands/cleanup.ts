// `socklab cleanup [--all]`: removes what socklab left behind (runs whose socklab process
// died, their host rules, stray helpers), and keeps runs in progress and labs up on
// purpose, saying so: on an engine shared by a class, those are other people's labs.
// `--all` removes every object carrying a socklab label, and socklab's host rules.
import { removeEverything, removeLeftovers } from '../../session/labs.js';
import { EXIT } from '../errors.js';

const WHY_KEPT = {
  running: 'its socklab process is running',
  elsewhere: 'made by socklab on another machine or in a container; its process cannot be checked from here',
  up: 'up on purpose (socklab down NAME removes it)',
} as const;

export async function cleanupCommand(options: { all?: boolean }): Promise<number> {
  if (options.all) {
    const removed = await removeEverything();
    process.stdout.write(
      `removed everything socklab owned: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)\n`,
    );
    return EXIT.ok;
  }
  const report = await removeLeftovers();
  for (const run of report.removed) {
    process.stdout.write(
      `removed dead run ${run.scenario} (run ${run.runId}): ${run.containers} container(s), ${run.networks} network(s), ${run.rules} host rule(s)\n`,
    );
  }
  if (report.helpers > 0) process.stdout.write(`removed ${report.helpers} helper container(s) of socklab processes that are gone\n`);
  if (report.strayRules > 0) process.stdout.write(`removed ${report.strayRules} host rule(s) of runs that were already gone\n`);
  if (report.removed.length + report.helpers + report.strayRules === 0) process.stdout.write('nothing was left behind\n');
  for (const { lab, state } of report.kept) {
    const pid = state === 'running' && lab.ownerPid ? ` (pid ${lab.ownerPid})` : '';
    process.stdout.write(`kept ${lab.scenario} (run ${lab.runId}): ${WHY_KEPT[state]}${pid}\n`);
  }
  if (report.kept.length > 0) process.stdout.write(`socklab cleanup --all removes those too.\n`);
  return EXIT.ok;
}
