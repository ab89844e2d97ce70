// `socklab test` as a use case: many lesson runs (each a whole `socklab run`: lab up, steps,
// expectations, teardown), `jobs` at a time, each reduced to a result a table, a JSON report
// or a JUnit file can show. Results keep the order of the entries whatever order the runs
// finish in. Every run gets the same AbortSignal: one Ctrl+C stops them all, each tearing its
// own lab down, and starts nothing more (what never started stays 'not run').
import type { Reaper } from '../lab/reaper.js';
import { verdictLine, type ExpectationVerdict, type Reporter } from '../lab/reporter.js';
import type { Runtime } from '../runtime/runtime.js';
import { formatIssue } from '../scenario/issues.js';
import { checkScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { shortPath } from '../util/paths.js';
import { runPool } from '../util/pool.js';
import { describeError, isEngineFailure } from './errors.js';
import { longestFirst, type Durations } from './suite-durations.js';
import { testLesson } from './test.js';

export type Verdict = 'pass' | 'fail' | 'invalid' | 'interrupted' | 'not run' | 'no program';

/** An expectation that did not hold, where the run's reporter placed it. */
export interface FailedCheck {
  /** The step as the run names it: `step 4`, `setup 2`... */
  step: string;
  host?: string;
  /** What was expected. */
  subject: string;
  /** What was seen instead. */
  reason: string;
}

/** What stopped a run before its end. */
export interface StoppedBy {
  message: string;
  /** The lab never came up (`bring-up`), or a step could not be carried out (`steps`). */
  during: 'bring-up' | 'steps';
  /** The engine failed (unreachable, refused), not the lesson. */
  engine: boolean;
}

export interface ScenarioResult {
  file: string;
  /** The scenario's name, or the file when it does not load. */
  name: string;
  /** Grading: the student (the name of their folder). */
  student?: string;
  /** Grading: each replaced program (by step id or by the lesson's program file) and the file put in its place. */
  programs?: Record<string, string>;
  status: Verdict;
  seconds: number;
  checksPassed: number;
  checksTotal: number;
  failures: FailedCheck[];
  /** Why it could not run at all: the scenario's issues (file:line:col), a student's missing or refused files. */
  issues: string[];
  error?: StoppedBy;
  /** The run's folder: program output, captures, report.json. */
  outputDir?: string;
}

/** One run to make, or a result already decided without one (an invalid file, no program). */
export interface SuiteEntry {
  /** The result so far: 'not run' for an entry to run, else final. */
  result: ScenarioResult;
  /** Set for an entry to run. */
  loaded?: LoadedScenario;
}

/** A result for a run not (yet) made. */
export function pendingResult(file: string, name: string, status: Verdict = 'not run', issues: string[] = []): ScenarioResult {
  return { file, name, status, seconds: 0, checksPassed: 0, checksTotal: 0, failures: [], issues };
}

/** Checks every file before any lab starts, so a typo shows at once, not after minutes. */
export async function checkSuiteFiles(files: readonly string[]): Promise<SuiteEntry[]> {
  return Promise.all(
    files.map(async (file): Promise<SuiteEntry> => {
      const checked = await checkScenarioFile(file);
      if (checked.ok) return { result: pendingResult(file, checked.loaded.scenario.name), loaded: checked.loaded };
      return { result: pendingResult(file, shortPath(file), 'invalid', checked.issues.map(formatIssue)) };
    }),
  );
}

/** Every line that says why a result is not a pass: issues, failed expectations, what stopped it. */
export function problemLines(result: ScenarioResult): string[] {
  const lines = [...result.issues, ...result.failures.map(failureLine)];
  if (result.error) lines.push(`${result.error.during === 'bring-up' ? 'could not run' : 'stopped'}: ${result.error.message}`);
  return lines;
}

/** One line for a failed expectation: where, what, and why. */
export const failureLine = (failure: FailedCheck): string => verdictLine({ ...failure, failures: [failure.reason] });

const failedCheck = (verdict: ExpectationVerdict): FailedCheck => ({
  step: verdict.step,
  ...(verdict.host !== undefined ? { host: verdict.host } : {}),
  subject: verdict.subject,
  reason: verdict.failures.join('; '),
});

export interface SuiteOptions {
  runtime: Runtime;
  image: string;
  /** How many labs may be up at once. */
  jobs: number;
  signal: AbortSignal;
  /** Parent folder of each run's folder. */
  outputRoot?: string;
  /** Who removes the labs should this process die (default: this process's reaper). */
  reaper?: Reaper;
  /** Where a run's live events go (e.g. a console reporter writing into that run's own buffer); none: quiet. */
  reporterFor?: (entry: SuiteEntry, position: number) => Reporter | undefined;
  /** A run starts; `position` counts the runs to make, from 0. */
  onStart?: (entry: SuiteEntry, position: number, count: number) => void;
  /** A run ended (whatever its verdict). */
  onFinish?: (result: ScenarioResult, position: number, count: number) => void;
  /** How long each scenario took before: with more than one job, the longest start first (suite-durations.ts). */
  durations?: Durations;
}

/** A reporter that keeps nothing: a quiet run's verdicts come from its outcome. */
const SILENT: Reporter = {
  info: () => undefined,
  step: () => undefined,
  hostOutput: () => undefined,
  observation: () => undefined,
  verdict: () => undefined,
  section: () => undefined,
};

/** Runs one entry (it must have `loaded`) and shapes its result. */
async function runEntry(entry: SuiteEntry, options: Omit<SuiteOptions, 'jobs'>, reporter: Reporter = SILENT): Promise<ScenarioResult> {
  const loaded = entry.loaded!;
  const test = await testLesson({
    runtime: options.runtime,
    loaded,
    image: options.image,
    reporter,
    signal: options.signal,
    outputRoot: options.outputRoot,
    ...(options.reaper ? { reaper: options.reaper } : {}),
  });
  const failures = test.verdicts.filter((verdict) => verdict.failures.length > 0).map(failedCheck);
  return {
    ...entry.result,
    status: test.status,
    seconds: test.seconds,
    checksPassed: test.verdicts.length - failures.length,
    checksTotal: test.verdicts.length,
    failures,
    ...(test.error !== undefined
      ? { error: { message: describeError(test.error), during: test.notRun ? 'bring-up' : 'steps', engine: isEngineFailure(test.error) } }
      : {}),
    ...(test.outputDir !== undefined ? { outputDir: test.outputDir } : {}),
  };
}

/**
 * Runs the entries that have a scenario to run, `jobs` at a time. Returns one
 * result per entry, in the entries' order: decided ones as they were, runs never started
 * (after an abort) as 'not run'.
 */
export async function runSuite(entries: readonly SuiteEntry[], options: SuiteOptions): Promise<ScenarioResult[]> {
  const results = entries.map((entry) => entry.result);
  const inOrder = entries.flatMap((entry, index) => (entry.loaded ? [{ entry, index }] : []));
  // One at a time, the files' order reads best; several at a time, the longest go first.
  const runnable = options.durations && options.jobs > 1 ? longestFirst(inOrder, ({ entry }) => entry.result.file, options.durations) : inOrder;
  await runPool(
    runnable,
    async ({ entry, index }, position) => {
      options.onStart?.(entry, position, runnable.length);
      const result = await runEntry(entry, options, options.reporterFor?.(entry, position));
      results[index] = result;
      options.onFinish?.(result, position, runnable.length);
    },
    { jobs: options.jobs, signal: options.signal },
  );
  return results;
}

export interface SuiteTotals {
  scenarios: number;
  passed: number;
  failed: number;
  invalid: number;
  noProgram: number;
  /** Interrupted, or never started. */
  notFinished: number;
}

export function totalsOf(results: readonly ScenarioResult[]): SuiteTotals {
  const count = (...statuses: Verdict[]) => results.filter((result) => statuses.includes(result.status)).length;
  return {
    scenarios: results.length,
    passed: count('pass'),
    failed: count('fail'),
    invalid: count('invalid'),
    noProgram: count('no program'),
    notFinished: count('interrupted', 'not run'),
  };
}
