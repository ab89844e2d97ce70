// A lab brought up to stay: its setup (networks, hosts, routes, NAT and the scenario's
// `start` steps) done, every program the lesson uses installed, and then left running for
// exec, shell, logs, capture... from any terminal, until `socklab down`.
import type { Reporter } from '../lab/reporter.js';
import { labStatus, listLabs, imageForLab, type LabStatus } from '../lab/labs.js';
import { LabSelectionError } from '../lab/selection-error.js';
import { teardownRun } from '../lab/teardown.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { StartStep, Step } from '../scenario/model.js';
import { bringUp, takeDown } from './bring-up.js';

export interface UpOptions {
  runtime: Runtime;
  loaded: LoadedScenario;
  image: string;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Replace the runs of this scenario that are up, rather than refuse. */
  replace?: boolean;
}

/** The steps `up` runs: the background programs a lesson starts with (servers, routers' helpers). */
export function setupSteps(steps: readonly Step[]): StartStep[] {
  return steps.filter((step): step is StartStep => step.kind === 'start');
}

/** Brings the lab up to stay; returns what is up, programs included. On any failure nothing is left of it. */
export async function upLab(options: UpOptions): Promise<LabStatus> {
  const { runtime, loaded, reporter, signal } = options;
  const name = loaded.scenario.name;
  const already = (await listLabs(runtime, signal)).filter((other) => other.scenario === name);
  if (already.length > 0 && !options.replace) {
    const runs = already.map((other) => other.runId).join(', ');
    throw new LabSelectionError(
      `lab '${name}' is already up (run ${runs}). Use it (socklab status ${name}), ` +
        `replace it (socklab up --replace ${loaded.file}) or remove it (socklab down ${name}).`,
    );
  }
  for (const old of already) {
    const removed = await teardownRun(runtime, await imageForLab(runtime, old), old.runId);
    reporter.info(`replaced run ${old.runId} of '${name}': removed ${removed.containers} container(s), ${removed.networks} network(s)`);
  }

  const session = await bringUp({ ...options, keep: true });
  const { lab, runner, reaper } = session;
  try {
    await runner.runAll(setupSteps(loaded.scenario.steps), 'setup ');
    await runner.detach();
    const [status] = await labStatus(
      runtime,
      (await listLabs(runtime, signal)).filter((other) => other.runId === lab.runId),
      signal,
    );
    if (!status) throw new Error(`lab '${name}' (run ${lab.runId}) vanished right after it came up: was 'socklab cleanup' run meanwhile?`);
    // Up on purpose from here on: never the reaper's.
    reaper.release(lab.runId);
    return status;
  } catch (error) {
    await takeDown(session, reporter).catch(() => undefined);
    throw error;
  }
}
