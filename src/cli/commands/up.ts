// `socklab up SCENARIO`: bring a lab up with its setup (networks, hosts, routes, NAT and the
// scenario's `start` steps), print its hosts and return, leaving it running for exec,
// shell, logs, capture... from any terminal, until `socklab down`.
import { resolve } from 'node:path';
import { loadScenario } from '../../scenario/load.js';
import { stepKind, type StepValue } from '../../scenario/schema.js';
import { ConsoleReporter } from '../../lab/reporter.js';
import { Lab } from '../../lab/lab.js';
import { teardownRun } from '../../lab/teardown.js';
import { processReaper } from '../../lab/reaper.js';
import { LabSelectionError } from '../../lab/selection-error.js';
import { newRunId, planLab } from '../../lab/plan.js';
import { ProgramLibrary } from '../../lab/programs.js';
import { StepRunner } from '../../lab/step-runner.js';
import { imageForLab, labStatus, listLabs } from '../../lab/labs.js';
import { prepareEngine } from '../context.js';
import { INTERRUPTED_EXIT, interruptible } from '../interrupts.js';
import { EXIT } from '../errors.js';
import { consoleStyle } from '../style.js';
import { formatLab } from '../lab-table.js';

export interface UpOptions {
  replace?: boolean;
}

/** The steps `up` runs: the background programs a lesson starts with (servers, routers' helpers). */
export function setupSteps(steps: readonly StepValue[]): StepValue[] {
  return steps.filter((step) => stepKind(step) === 'start');
}

export async function upCommand(file: string, options: UpOptions): Promise<number> {
  const started = performance.now();
  const loaded = await loadScenario(file);
  const name = loaded.scenario.name;
  const style = consoleStyle();
  const reporter = new ConsoleReporter(Object.keys(loaded.scenario.hosts), style);
  const interruption = interruptible((signal) => reporter.info(`${signal} received: removing what was made`));
  const { signal } = interruption;
  let lab: Lab | undefined;
  try {
    const { runtime, image } = await prepareEngine(signal);
    const reaper = processReaper(image);

    const already = (await listLabs(runtime, signal)).filter((other) => other.scenario === name);
    if (already.length > 0 && !options.replace) {
      const runs = already.map((other) => other.runId).join(', ');
      throw new LabSelectionError(
        `lab '${name}' is already up (run ${runs}). Use it (socklab status ${name}), ` +
          `replace it (socklab up --replace ${file}) or remove it (socklab down ${name}).`,
      );
    }
    for (const old of already) {
      const removed = await teardownRun(runtime, await imageForLab(runtime, old), old.runId);
      reporter.info(`replaced run ${old.runId} of '${name}': removed ${removed.containers} container(s), ${removed.networks} network(s)`);
    }

    const runId = newRunId();
    const plan = planLab(loaded.scenario, { runId, image, scenarioFile: resolve(loaded.file), scenarioDir: loaded.dir, keep: true });
    lab = await Lab.up(runtime, loaded, plan, image, { log: (message) => reporter.info(message), signal, reaper });

    const steps = loaded.scenario.steps ?? [];
    const runner = new StepRunner({
      lab,
      programs: new ProgramLibrary(loaded.dir),
      reporter,
      signal,
      // Only capture steps write files, and up runs none; the folder is named like run's.
      outputDir: resolve('.socklab/runs', `${name}-${runId}`),
    });
    try {
      // Every program the lesson uses goes in, so the later ones can be run by hand.
      await runner.installPrograms(steps);
      await runner.runAll(setupSteps(steps), 'setup ');
    } finally {
      await runner.detach();
    }

    const [status] = await labStatus(runtime, (await listLabs(runtime, signal)).filter((other) => other.runId === runId), signal);
    if (!status) throw new Error(`lab '${name}' (run ${runId}) vanished right after it came up: was 'socklab cleanup' run meanwhile?`);
    // Up on purpose from here on: never the reaper's.
    reaper.release(runId);
    process.stdout.write(`\n${formatLab(status, style)}`);
    const someHost = status.hosts[0]?.name ?? 'HOST';
    const hints: [string, string][] = [
      ['socklab status', 'what runs where'],
      [`socklab exec ${someHost} -- CMD...`, 'run a command in a host (also: shell, netstat, ps, logs, capture)'],
      [`socklab down ${name}`, 'remove the lab'],
    ];
    const width = Math.max(...hints.map(([command]) => command.length)) + 3;
    process.stdout.write(
      style.green(`✔ lab ${name} is up (run ${runId}, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`) +
        hints.map(([command, what]) => `  ${command.padEnd(width)}${what}\n`).join(''),
    );
    return EXIT.ok;
  } catch (error) {
    if (lab) {
      const removed = await lab.teardown();
      processReaper(lab.image).release(lab.runId);
      reporter.info(`lab removed: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)`);
    }
    const received = interruption.received();
    if (received) return INTERRUPTED_EXIT[received];
    throw error;
  } finally {
    interruption.dispose();
  }
}
