// A lesson run as a test: a whole run (lab up, steps, expectations, teardown) reduced to a
// verdict, whatever happened, so that a suite of lessons goes on to the next one.
import type { ExpectationVerdict } from '../lab/reporter.js';
import type { LoadedScenario } from '../scenario/load.js';
import { runLesson, type RunOptions } from './lesson.js';

export interface LessonTest {
  loaded: LoadedScenario;
  status: 'pass' | 'fail' | 'interrupted';
  seconds: number;
  verdicts: ExpectationVerdict[];
  /** What stopped the run early (its later steps never happened), or kept the lab from coming up. */
  error?: unknown;
  /** The lab never came up: `error` says why. */
  notRun?: boolean;
  /** The run's folder (program output, captures, report.json), when the lab came up. */
  outputDir?: string;
}

export async function testLesson(options: RunOptions): Promise<LessonTest> {
  const { loaded, signal } = options;
  const started = performance.now();
  try {
    const outcome = await runLesson(options);
    return {
      loaded,
      status: signal?.aborted ? 'interrupted' : outcome.passed ? 'pass' : 'fail',
      seconds: outcome.seconds,
      verdicts: outcome.verdicts,
      outputDir: outcome.outputDir,
      ...(outcome.error && !signal?.aborted ? { error: outcome.error } : {}),
    };
  } catch (error) {
    // Interrupted while the lab came up, or it could not come up (e.g. a subnet already in
    // use on the engine).
    const aborted = signal?.aborted === true;
    return {
      loaded,
      status: aborted ? 'interrupted' : 'fail',
      seconds: (performance.now() - started) / 1000,
      verdicts: [],
      ...(aborted ? {} : { error, notRun: true }),
    };
  }
}
