// `socklab test [FILES or FOLDERS...]`: runs many scenarios, `--jobs` at a time (each one a
// whole `socklab run`: lab up, steps, expectations, teardown) and prints a pass/fail table
// with durations, in the order of the files. Quiet by default: only the failures are shown,
// naming step, host and what went wrong; --verbose shows every run, live with one job, and
// with more each run whole as it ends (never two runs' lines mixed). `--json` prints one
// JSON object on stdout (everything else goes to stderr), `--junit FILE` writes JUnit XML.
// Grading (`--program ID=PATH`, `--students DIR`; docs/grading.md) runs one lesson with
// students' programs in place of its own. Exit 0 only when every run passed. Ctrl+C tears
// every running lab down and stops.
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import Table from 'cli-table3';
import { loadScenario } from '../../scenario/load.js';
import type { Reporter } from '../../lab/reporter.js';
import { BUNDLED_SCENARIOS_DIR } from '../../util/paths.js';
import { prepareEngine } from '../../session/engine.js';
import { GradingInputError, lessonWithPrograms, parseProgramChoice, studentEntries } from '../../session/grading.js';
import { suiteJson, suiteJunit, type SuiteReport } from '../../session/test-report.js';
import { checkSuiteFiles, problemLines, runSuite, totalsOf, type ScenarioResult, type SuiteEntry } from '../../session/test-suite.js';
import { readDurations, recordDurations } from '../../session/suite-durations.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT, UsageError } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible, type Interruption } from '../interrupts.js';
import { consoleStyle, imageProgress } from '../style.js';
import { MissingPathError, displayPath, findScenarioFiles } from './list.js';

export interface TestCommandOptions {
  verbose?: boolean;
  out?: string;
  jobs?: string;
  json?: boolean;
  junit?: string;
  program?: string[];
  students?: string;
}

export type { ScenarioResult };

const noChecks = (result: ScenarioResult) => result.status === 'invalid' || result.status === 'not run' || result.status === 'no program';
const checksCell = (result: ScenarioResult) => (noChecks(result) ? '-' : `${result.checksPassed}/${result.checksTotal}`);
const secondsCell = (result: ScenarioResult) => (noChecks(result) ? '-' : result.seconds.toFixed(1));

/** Without inner separators, without colours inside (cli-table3 would count them as text). */
const plainTable = (head: string[], colAligns: ('left' | 'right')[]) =>
  new Table({ head, colAligns, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, style: { head: [], border: [] } });

/** The results as a table, one row per scenario. */
export function formatResultsTable(results: readonly ScenarioResult[]): string {
  const table = plainTable(['#', 'scenario', 'result', 'checks', 'seconds'], ['right', 'left', 'left', 'right', 'right']);
  results.forEach((result, index) => table.push([String(index + 1), result.name, result.status, checksCell(result), secondsCell(result)]));
  return table.toString();
}

const FIRST_FAILURE_WIDTH = 70;
const shorten = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);

/** Grading: one row per student, with the first thing that went wrong (the whole list follows the table). */
export function formatGradingTable(results: readonly ScenarioResult[]): string {
  const table = plainTable(['#', 'student', 'verdict', 'checks', 'seconds', 'first failure'], ['right', 'left', 'left', 'right', 'right', 'left']);
  results.forEach((result, index) =>
    table.push([
      String(index + 1),
      result.student ?? result.name,
      result.status,
      checksCell(result),
      secondsCell(result),
      shorten(problemLines(result)[0] ?? '', FIRST_FAILURE_WIDTH),
    ]),
  );
  return table.toString();
}

/** 0 when all passed; 130/143/129/141 when interrupted; 2 when a file is invalid; 3 when the engine failed; 1 otherwise. */
export function exitCodeFor(results: readonly ScenarioResult[], interrupted?: Interruption): number {
  if (interrupted) return INTERRUPTED_EXIT[interrupted];
  if (results.some((result) => result.status === 'invalid')) return EXIT.invalid;
  if (results.some((result) => result.error?.engine)) return EXIT.environment;
  return results.every((result) => result.status === 'pass') ? EXIT.ok : EXIT.failed;
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const jobs = Number(text);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number of at least 1 (got '${text}').`);
  return jobs;
}

interface Plan {
  entries: SuiteEntry[];
  /** Grading one lesson: which. */
  lesson?: { file: string; name: string };
  grading: 'students' | 'programs' | undefined;
}

/** What to run: the scenarios named, or one lesson with programs replaced (per student). */
async function planRuns(targets: string[], options: TestCommandOptions): Promise<Plan> {
  const choices = (options.program ?? []).map(parseProgramChoice);
  if (choices.length === 0 && options.students === undefined) {
    const files = await findScenarioFiles(targets.length > 0 ? targets : [BUNDLED_SCENARIOS_DIR]);
    return { entries: await checkSuiteFiles(files), grading: undefined };
  }
  const flag = options.students !== undefined ? '--students' : '--program';
  if (targets.length !== 1) throw new UsageError(`${flag} grades one lesson: give one scenario file (got ${targets.length}).`);
  const [file] = await findScenarioFiles(targets);
  const loaded = await loadScenario(file!);
  const lesson = { file: loaded.file, name: loaded.scenario.name };
  if (options.students !== undefined) return { entries: await studentEntries(loaded, options.students, choices), lesson, grading: 'students' };
  return { entries: [lessonWithPrograms(loaded, choices)], lesson, grading: 'programs' };
}

export async function testCommand(targets: string[], options: TestCommandOptions): Promise<number> {
  const jobs = parseJobs(options.jobs);
  let plan: Plan;
  try {
    plan = await planRuns(targets, options);
  } catch (error) {
    if (!(error instanceof MissingPathError || error instanceof GradingInputError)) throw error;
    process.stderr.write(`socklab: ${error.message}\n`);
    return EXIT.invalid;
  }
  // With --json, stdout carries the JSON alone; what people read goes to stderr.
  const stream = options.json ? process.stderr : process.stdout;
  const style = consoleStyle(stream);
  const write = (text: string) => stream.write(text);
  const { entries } = plan;
  const labelOf = (entry: SuiteEntry) => entry.result.student ?? entry.result.name;

  const interruption = interruptible((signal) => write(`${signal} received: tearing the running labs down and stopping\n`));
  const signal = interruption.signal;
  const startedAt = new Date();
  const started = performance.now();
  const live = options.verbose && jobs === 1;
  const buffers = new Map<number, string[]>();
  let results: ScenarioResult[];
  try {
    const runnable = entries.some((entry) => entry.loaded);
    const { runtime, image } = runnable ? await prepareEngine(imageProgress, signal) : { runtime: undefined, image: '' };
    results = await runSuite(entries, {
      runtime: runtime!,
      image,
      jobs,
      signal,
      outputRoot: options.out,
      durations: readDurations(),
      reporterFor: (entry, position): Reporter | undefined => {
        if (!options.verbose) return undefined;
        const hosts = Object.keys(entry.loaded!.scenario.hosts);
        if (live) return new ConsoleReporter(hosts, style, write);
        const buffer: string[] = [];
        buffers.set(position, buffer);
        return new ConsoleReporter(hosts, style, (text) => buffer.push(text));
      },
      onStart: (entry, position, count) => {
        const label = `[${position + 1}/${count}] ${labelOf(entry)}`;
        const where = entry.result.student !== undefined ? `${options.students}/${entry.result.student}` : displayPath(entry.result.file);
        if (live) write(`\n${style.bold(`━━ ${label}`)} ${style.dim(where)}\n`);
        else write(`${style.dim(`${label} ...`)}\n`);
      },
      onFinish: (result, position, count) => {
        const mark = result.status === 'pass' ? style.green('✔') : style.red('✘');
        const line = `${mark} ${result.student ?? result.name} ${result.status} (${result.seconds.toFixed(1)} s)\n`;
        const buffer = buffers.get(position);
        buffers.delete(position);
        // One write per run: its whole output, then its verdict, never mixed with another's.
        if (buffer) write(`\n${style.bold(`━━ [${position + 1}/${count}] ${result.student ?? result.name}`)}\n${buffer.join('')}${line}`);
        else write(line);
      },
    });
  } finally {
    interruption.dispose();
  }
  if (interruption.received() === 'EPIPE') return INTERRUPTED_EXIT.EPIPE;
  // Graded students' runs all take the lesson's time: only scenario runs teach the order.
  if (plan.grading === undefined) recordDurations(results);

  if (plan.lesson && plan.grading === 'programs') {
    for (const [id, path] of Object.entries(results[0]?.programs ?? {})) write(style.dim(`${id}: ${displayPath(path)}\n`));
  }
  write(`\n${plan.grading === 'students' ? formatGradingTable(results) : formatResultsTable(results)}\n`);
  for (const result of results) {
    const problems = problemLines(result);
    if (problems.length === 0) continue;
    const who = result.student !== undefined ? `${result.student} (${result.name})` : result.name;
    const where = result.student !== undefined || result.name === displayPath(result.file) ? '' : ` (${displayPath(result.file)})`;
    write(style.red(`\n✘ ${who}${where}: ${result.status}\n`));
    for (const problem of problems) write(style.red(`  ${problem}\n`));
    if (result.status === 'fail' && result.outputDir) write(style.dim(`  the run's output: ${displayPath(result.outputDir)}\n`));
  }
  const totals = totalsOf(results);
  const parts = [`${totals.passed} passed`, `${totals.failed} failed`];
  if (totals.noProgram) parts.push(`${totals.noProgram} without a program`);
  if (totals.invalid) parts.push(`${totals.invalid} invalid`);
  if (totals.notFinished) parts.push(`${totals.notFinished} not finished`);
  const seconds = (performance.now() - started) / 1000;
  const what = plan.grading === 'students' ? 'student(s)' : 'scenario(s)';
  const summary = `${parts.join(', ')} of ${results.length} ${what} (${seconds.toFixed(1)} s)`;
  let code = exitCodeFor(results, interruption.received());
  write(code === EXIT.ok ? style.green(`\n✔ ${summary}\n`) : style.red(`\n✘ ${summary}\n`));

  const report: SuiteReport = { ...(plan.lesson ? { lesson: plan.lesson } : {}), jobs, startedAt, seconds, exitCode: code, results };
  const interrupted = interruption.received();
  if (interrupted) report.interrupted = interrupted;
  if (options.junit !== undefined) {
    try {
      await mkdir(dirname(options.junit), { recursive: true });
      await writeFile(options.junit, suiteJunit(report));
      write(style.dim(`JUnit report: ${displayPath(options.junit)}\n`));
    } catch (error) {
      process.stderr.write(`socklab: could not write the JUnit report ${options.junit}: ${(error as Error).message}\n`);
      if (code === EXIT.ok) code = report.exitCode = EXIT.invalid;
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(suiteJson(report), null, 2)}\n`);
  return code;
}
