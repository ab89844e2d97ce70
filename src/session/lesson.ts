// One whole lesson run: lab up, steps, the who-sees-what picture, verdicts, teardown.
// Teardown happens on success, failure, exceptions and abort (Ctrl+C), unless the caller
// asks to keep the lab.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatPicture, whoSeesWhat, type ConnectionPicture } from '../observe/who-sees-what.js';
import type { ExpectationVerdict, Reporter } from '../lab/reporter.js';
import type { StepRunner } from '../lab/step-runner.js';
import { hasNat } from '../scenario/model.js';
import { bringUp, takeDown, type BringUpOptions } from './bring-up.js';

export type RunOptions = BringUpOptions;

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

/**
 * Runs a lesson. A lab that cannot come up throws (nothing is left of it); once it is up,
 * whatever stops the steps is the outcome's `error`, and the lab goes down all the same.
 */
export async function runLesson(options: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const { loaded, reporter, signal } = options;
  const session = await bringUp(options);
  const { lab, runner, reaper, outputDir } = session;
  let error: Error | undefined;
  let pictures: ConnectionPicture[] = [];
  try {
    await runner.runAll(loaded.scenario.steps);
  } catch (caught) {
    error = caught as Error;
  } finally {
    const keep = options.keep && !signal?.aborted;
    await runner.detach({ labGoing: !keep });
    if (hasNat(loaded.scenario) && !signal?.aborted) {
      pictures = await explainTranslations(runner, reporter).catch(() => []);
    }
    if (keep) {
      reaper.release(lab.runId);
      reporter.info(`lab kept up (run ${lab.runId}); remove it with: socklab down ${lab.runId}`);
    } else {
      await takeDown(session, reporter).catch((failure: Error) => {
        error ??= failure;
      });
    }
  }
  const verdicts = runner.verdicts;
  await writeReport(outputDir, { scenario: loaded.scenario.name, runId: lab.runId, verdicts, error: error?.message, whoSeesWhat: pictures });
  return {
    runId: lab.runId,
    outputDir,
    verdicts,
    error,
    passed: !error && verdicts.every((verdict) => verdict.failures.length === 0),
    whoSeesWhat: pictures,
    seconds: (performance.now() - started) / 1000,
  };
}
