// One whole lesson run: lab up, steps, the who-sees-what picture, verdicts, teardown.
// Teardown happens on success, failure, exceptions and abort (Ctrl+C), unless the caller
// asks to keep the lab.
import { formatPicture, whoSeesWhat, type ConnectionPicture } from '../observe/who-sees-what.js';
import { RecordingReporter, type ExpectationVerdict, type Reporter } from '../lab/reporter.js';
import { buildResults } from '../report/build.js';
import type { ResultsValue } from '../report/results.js';
import { writeReports } from '../report/write.js';
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
  /** Everything the run's report holds (report.json). */
  results: ResultsValue;
}

/** Prints, for each translated connection, what every hop sees of it. */
async function explainTranslations(runner: StepRunner, reporter: Reporter): Promise<ConnectionPicture[]> {
  await runner.snapshotAll();
  const pictures = whoSeesWhat(runner.observations);
  for (const picture of pictures) reporter.section('who sees what', formatPicture(picture));
  return pictures;
}

/** What the report keeps of a run's events: the first part of a run that prints without end. */
const REPORT_LIMITS = { events: 5_000, chars: 2_000_000 };

/**
 * Runs a lesson. A lab that cannot come up throws (nothing is left of it); once it is up,
 * whatever stops the steps is the outcome's `error`, and the lab goes down all the same.
 */
export async function runLesson(options: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const { loaded, signal } = options;
  // Everything shown is also kept (up to a bound) for the run's report.
  const reporter = new RecordingReporter(options.reporter, REPORT_LIMITS);
  const session = await bringUp({ ...options, reporter });
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
  const passed = !error && verdicts.every((verdict) => verdict.failures.length === 0);
  const seconds = (performance.now() - started) / 1000;
  const results = buildResults({
    scenario: loaded.scenario,
    file: loaded.file,
    runId: lab.runId,
    outputDir,
    passed,
    seconds,
    ...(error ? { error: error.message } : {}),
    events: reporter.events,
    verdicts,
    whoSeesWhat: pictures,
    captures: runner.captured,
  });
  await writeReports(outputDir, results);
  return { runId: lab.runId, outputDir, verdicts, error, passed, whoSeesWhat: pictures, seconds, results };
}
