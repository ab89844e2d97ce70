// What `run` and `up` share: a scenario's lab planned, brought up in the reaper's care, and
// its programs bundled meanwhile and copied into the hosts that run them.
import { resolve } from 'node:path';
import { Lab } from '../lab/lab.js';
import { newRunId, planLab } from '../lab/plan.js';
import { ProgramLibrary, programFiles } from '../lab/programs.js';
import { processReaper, type Reaper } from '../lab/reaper.js';
import type { Reporter } from '../lab/reporter.js';
import { StepRunner } from '../lab/step-runner.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';

export interface BringUpOptions {
  runtime: Runtime;
  loaded: LoadedScenario;
  image: string;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Parent folder of the run's output folder (captures, program output, report). */
  outputRoot?: string;
  /** Left up on purpose (`up`, `run --keep`): labelled so, and never the reaper's once released. */
  keep?: boolean;
  runId?: string;
  /** The lab's name (default: the scenario's). */
  labName?: string;
  /** Programs already bundled for this scenario (copies of one lesson share them). */
  programs?: ProgramLibrary;
  /** Who removes the lab should this process die (default: this process's reaper). */
  reaper?: Reaper;
}

/** A lab that is up, with what runs its steps. Until released, the lab is in `reaper`'s care. */
export interface LabSession {
  lab: Lab;
  runner: StepRunner;
  reaper: Reaper;
  /** The run's folder: captures, program output and the report. */
  outputDir: string;
  /** The scenario's programs, bundled (and any other a library user starts). */
  programs: ProgramLibrary;
}

/**
 * Brings the lab up and installs every program its steps use. When anything fails, what was
 * made is removed before the error is rethrown: a failed bring-up leaves nothing behind.
 */
export async function bringUp(options: BringUpOptions): Promise<LabSession> {
  const { runtime, loaded, image, reporter, signal } = options;
  const runId = options.runId ?? newRunId();
  const labName = options.labName ?? loaded.scenario.name;
  const outputDir = resolve(options.outputRoot ?? '.socklab/runs', `${labName}-${runId}`);
  const plan = planLab(loaded.scenario, { runId, image, labName, scenarioFile: resolve(loaded.file), scenarioDir: loaded.dir, keep: options.keep });
  const programs = options.programs ?? new ProgramLibrary(loaded.dir, loaded.programRoots);
  // Bundling needs no lab: it runs while the lab comes up, and each host's programs are
  // copied in while it is set up (a bundling error fails the bring-up, which removes the lab).
  const bundling = programs.prepareAll(loaded.scenario.steps).catch(() => undefined);
  const reaper = options.reaper ?? processReaper(image);
  const filesOf = programFiles(programs, loaded.scenario.steps);
  const lab = await Lab.up(runtime, loaded, plan, image, {
    log: (message) => reporter.info(message),
    signal,
    reaper,
    rulesKeeper: !options.keep,
    moreFiles: async (host) => {
      await bundling;
      return filesOf(host);
    },
  });
  const runner = new StepRunner({ lab, programs, reporter, signal, outputDir });
  return { lab, runner, reaper, outputDir, programs };
}

/** Removes the lab (under a deadline of its own: an interruption must not cut it short) and says what went. */
export async function takeDown(session: LabSession, reporter: Reporter): Promise<void> {
  await session.runner.detach({ labGoing: true });
  const removed = await session.lab.teardown().catch((failure: Error) => failure);
  if (removed instanceof Error) {
    reporter.info(`the lab could not be removed completely (${removed.message}); the reaper tries again when socklab exits`);
    throw removed;
  }
  session.reaper.release(session.lab.runId);
  reporter.info(`lab removed: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)`);
}
