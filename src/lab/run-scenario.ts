// One whole lesson run: lab up, steps, verdicts, teardown. Teardown happens on success,
// failure, exceptions and abort (Ctrl+C), unless the caller asks to keep the lab.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatPicture, whoSeesWhat, type ConnectionPicture } from '../observe/who-sees-what.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';
import { Lab } from './lab.js';
import { newRunId, planLab } from './plan.js';
import { ProgramLibrary } from './programs.js';
import type { ExpectationVerdict, Reporter } from './reporter.js';
import { processReaper, type Reaper } from './reaper.js';
import { StepRunner } from './step-runner.js';

export interface RunOptions {
  runtime: Runtime;
  loaded: LoadedScenario;
  image: string;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Parent folder of the run's output folder (captures, report). */
  outputRoot?: string;
  keep?: boolean;
  runId?: string;
  /** Who removes the lab should this process die (default: this process's reaper). */
  reaper?: Reaper;
}

export interface RunOutcome {
  runId: string;
  outputDir: string;
  verdicts: ExpectationVerdict[];
  /** Why the run stopped early, if it did (a step error, an engine error, an abort). */
  error?: Error;
  passed: boolean;
  seconds: number;
  /** Each NAT-translated connection, hop by hop (empty when the lab has no NAT). */
  whoSeesWhat: ConnectionPicture[];
}

const hasNat = (loaded: LoadedScenario) => Object.values(loaded.scenario.hosts).some((host) => (host.nat ?? []).length > 0);

/** Prints, for each translated connection, what every hop sees of it. */
async function explainTranslations(runner: StepRunner, reporter: Reporter): Promise<ConnectionPicture[]> {
  await runner.snapshotAll();
  const pictures = whoSeesWhat(runner.observations);
  for (const picture of pictures) reporter.section('who sees what', formatPicture(picture));
  return pictures;
}

/** report.json in the run's folder: the verdicts and pictures, for tools and for later. */
async function writeReport(outputDir: string, report: object): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  await writeFile(join(outputDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}

export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const { runtime, loaded, reporter, signal } = options;
  const runId = options.runId ?? newRunId();
  const outputDir = resolve(options.outputRoot ?? '.socklab/runs', `${loaded.scenario.name}-${runId}`);
  const plan = planLab(loaded.scenario, { runId, image: options.image, scenarioFile: resolve(loaded.file), scenarioDir: loaded.dir, keep: options.keep });
  const programs = new ProgramLibrary(loaded.dir);
  // Bundling needs no lab: it runs while the lab comes up (errors surface at install).
  const bundling = programs.prepareAll(loaded.scenario.steps ?? []).catch(() => undefined);
  const reaper = options.reaper ?? processReaper(options.image);
  const lab = await Lab.up(runtime, loaded, plan, options.image, { log: (message) => reporter.info(message), signal, reaper });
  await bundling;
  const runner = new StepRunner({ lab, programs, reporter, signal, outputDir });
  let error: Error | undefined;
  let pictures: ConnectionPicture[] = [];
  try {
    await runner.installPrograms(loaded.scenario.steps ?? []);
    await runner.runAll(loaded.scenario.steps ?? []);
  } catch (caught) {
    error = caught as Error;
  } finally {
    await runner.detach();
    if (hasNat(loaded) && !signal?.aborted) {
      pictures = await explainTranslations(runner, reporter).catch(() => []);
    }
    if (options.keep && !signal?.aborted) {
      reaper.release(runId);
      reporter.info(`lab kept up (run ${runId}); remove it with: socklab down ${runId}`);
    } else {
      // Under a deadline of its own: an interruption must not cut the teardown short.
      const removed = await lab.teardown().catch((failure: Error) => failure);
      if (removed instanceof Error) {
        reporter.info(`the lab could not be removed completely (${removed.message}); the reaper tries again when socklab exits`);
        error ??= removed;
      } else {
        reaper.release(runId);
        reporter.info(`lab removed: ${removed.containers} container(s), ${removed.networks} network(s), ${removed.rules} host rule(s)`);
      }
    }
  }
  const verdicts = runner.verdicts;
  await writeReport(outputDir, { scenario: loaded.scenario.name, runId, verdicts, error: error?.message, whoSeesWhat: pictures });
  return {
    runId,
    outputDir,
    verdicts,
    error,
    passed: !error && verdicts.every((verdict) => verdict.failures.length === 0),
    whoSeesWhat: pictures,
    seconds: (performance.now() - started) / 1000,
  };
}
