// `socklab test [FILES or FOLDERS...]`: runs many scenarios one after another (each one a
// whole `socklab run`: lab up, steps, expectations, teardown) and prints a pass/fail table
// with durations. Quiet by default: each run is recorded, and only the failures are shown,
// naming step, host and what went wrong; --verbose streams every run as `run` does.
// Exit 0 only when every scenario passed. Ctrl+C tears the current lab down and stops.
import Table from 'cli-table3';
import { checkScenarioFile, type LoadedScenario } from '../../scenario/load.js';
import { formatIssue } from '../../scenario/issues.js';
import { RecordingReporter, verdictLine } from '../../lab/reporter.js';
import type { Runtime } from '../../runtime/runtime.js';
import { BUNDLED_SCENARIOS_DIR } from '../../util/paths.js';
import { prepareEngine } from '../../session/engine.js';
import { testLesson } from '../../session/test.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT, describeError, exitCodeOf } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible, type Interruption } from '../interrupts.js';
import { consoleStyle, imageProgress, type ConsoleStyle } from '../style.js';
import { MissingPathError, displayPath, findScenarioFiles } from './list.js';

export interface TestCommandOptions {
  verbose?: boolean;
  out?: string;
}

export type TestStatus = 'pass' | 'fail' | 'invalid' | 'interrupted' | 'not run';

export interface ScenarioTestResult {
  file: string;
  /** The scenario's name, or the file when it does not load. */
  name: string;
  status: TestStatus;
  seconds: number;
  checksPassed: number;
  checksTotal: number;
  /** Why it did not pass, one line each: issues, failed expectations, the error that stopped it. */
  problems: string[];
  /** The engine failed it (unreachable, refused), not the lesson. */
  engineFailure?: boolean;
}

/** The results as a table (no colours inside: cli-table3 would count them as text). */
export function formatResultsTable(results: readonly ScenarioTestResult[]): string {
  const table = new Table({
    head: ['#', 'scenario', 'result', 'checks', 'seconds'],
    colAligns: ['right', 'left', 'left', 'right', 'right'],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
  results.forEach((result, index) => {
    const checks = result.status === 'invalid' || result.status === 'not run' ? '-' : `${result.checksPassed}/${result.checksTotal}`;
    const seconds = result.status === 'invalid' || result.status === 'not run' ? '-' : result.seconds.toFixed(1);
    table.push([String(index + 1), result.name, result.status, checks, seconds]);
  });
  return table.toString();
}

/** 0 when all passed; 130/143/129/141 when interrupted; 2 when a file is invalid; 3 when the engine failed; 1 otherwise. */
export function exitCodeFor(results: readonly ScenarioTestResult[], interrupted?: Interruption): number {
  if (interrupted) return INTERRUPTED_EXIT[interrupted];
  if (results.some((result) => result.status === 'invalid')) return EXIT.invalid;
  if (results.some((result) => result.engineFailure)) return EXIT.environment;
  return results.every((result) => result.status === 'pass') ? EXIT.ok : EXIT.failed;
}

interface RunContext {
  runtime: Runtime;
  image: string;
  style: ConsoleStyle;
  signal: AbortSignal;
  options: TestCommandOptions;
}

async function testOne(loaded: LoadedScenario, context: RunContext): Promise<ScenarioTestResult> {
  const { style, options } = context;
  const live = options.verbose ? new ConsoleReporter(Object.keys(loaded.scenario.hosts), style) : undefined;
  const test = await testLesson({
    runtime: context.runtime,
    loaded,
    image: context.image,
    reporter: new RecordingReporter(live),
    signal: context.signal,
    outputRoot: options.out,
  });
  const failed = test.verdicts.filter((verdict) => verdict.failures.length > 0);
  const problems = failed.map(verdictLine);
  if (test.error !== undefined) problems.push(`${test.notRun ? 'could not run' : 'stopped'}: ${describeError(test.error)}`);
  return {
    file: loaded.file,
    name: loaded.scenario.name,
    ...(test.error !== undefined && exitCodeOf(test.error) === EXIT.environment ? { engineFailure: true } : {}),
    status: test.status,
    seconds: test.seconds,
    checksPassed: test.verdicts.length - failed.length,
    checksTotal: test.verdicts.length,
    problems,
  };
}

export async function testCommand(targets: string[], options: TestCommandOptions): Promise<number> {
  let files: string[];
  try {
    files = await findScenarioFiles(targets.length > 0 ? targets : [BUNDLED_SCENARIOS_DIR]);
  } catch (error) {
    if (!(error instanceof MissingPathError)) throw error;
    process.stderr.write(`socklab: ${error.message}\n`);
    return EXIT.invalid;
  }
  const style = consoleStyle();
  const write = (text: string) => process.stdout.write(text);

  // Every file is checked before any lab starts, so a typo shows at once, not after minutes.
  const results: ScenarioTestResult[] = [];
  const runnable: { index: number; loaded: LoadedScenario }[] = [];
  for (const file of files) {
    const checked = await checkScenarioFile(file);
    if (checked.ok) {
      runnable.push({ index: results.length, loaded: checked.loaded });
      results.push({ file, name: checked.loaded.scenario.name, status: 'not run', seconds: 0, checksPassed: 0, checksTotal: 0, problems: [] });
    } else {
      results.push({
        file,
        name: displayPath(file),
        status: 'invalid',
        seconds: 0,
        checksPassed: 0,
        checksTotal: 0,
        problems: checked.issues.map(formatIssue),
      });
    }
  }

  const interruption = interruptible((signal) => write(`${signal} received: tearing the current lab down and stopping\n`));
  const signal = interruption.signal;
  const started = performance.now();
  try {
    const { runtime, image } = runnable.length > 0 ? await prepareEngine(imageProgress, signal) : { runtime: undefined, image: '' };
    for (const [position, { index, loaded }] of runnable.entries()) {
      if (signal.aborted) break;
      const label = `[${position + 1}/${runnable.length}] ${loaded.scenario.name}`;
      write(options.verbose ? `\n${style.bold(`━━ ${label}`)} ${style.dim(displayPath(loaded.file))}\n` : `${style.dim(`${label} ...`)}\n`);
      const result = await testOne(loaded, { runtime: runtime!, image, style, signal, options });
      results[index] = result;
      const mark = result.status === 'pass' ? style.green('✔') : style.red('✘');
      write(`${mark} ${result.name} ${result.status} (${result.seconds.toFixed(1)} s)\n`);
    }
  } finally {
    interruption.dispose();
  }
  if (interruption.received() === 'EPIPE') return INTERRUPTED_EXIT.EPIPE;

  write(`\n${formatResultsTable(results)}\n`);
  for (const result of results.filter((r) => r.problems.length > 0)) {
    const where = result.name === displayPath(result.file) ? '' : ` (${displayPath(result.file)})`;
    write(style.red(`\n✘ ${result.name}${where}: ${result.status}\n`));
    for (const problem of result.problems) write(style.red(`  ${problem}\n`));
    if (result.status === 'fail') write(style.dim(`  see the whole run: socklab run ${displayPath(result.file)}\n`));
  }
  const count = (status: TestStatus) => results.filter((result) => result.status === status).length;
  const parts = [`${count('pass')} passed`, `${count('fail')} failed`];
  if (count('invalid')) parts.push(`${count('invalid')} invalid`);
  if (count('interrupted') + count('not run')) parts.push(`${count('interrupted') + count('not run')} not finished`);
  const summary = `${parts.join(', ')} of ${results.length} scenario(s) (${((performance.now() - started) / 1000).toFixed(1)} s)`;
  const code = exitCodeFor(results, interruption.received());
  write(code === EXIT.ok ? style.green(`\n✔ ${summary}\n`) : style.red(`\n✘ ${summary}\n`));
  return code;
}
