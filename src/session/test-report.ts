// The results of `socklab test` for machines: one JSON object (`--json`), and a JUnit XML
// file (`--junit FILE`) for CI systems and learning platforms. JUnit gets one testcase per
// scenario, or per student when grading, since that is the row those tools show and count;
// the expectations that failed are listed in the failure's body, each on a line.
import { hostname } from 'node:os';
import { shortPath } from '../util/paths.js';
import { xmlDocument, type XmlElement } from '../util/xml.js';
import { problemLines, totalsOf, type ScenarioResult, type SuiteTotals } from './test-suite.js';

export interface SuiteReport {
  /** Grading: the lesson every student was run against. */
  lesson?: { file: string; name: string };
  jobs: number;
  /** When the suite started. */
  startedAt: Date;
  seconds: number;
  /** The interruption that stopped the suite (SIGINT...), if one did. */
  interrupted?: string;
  exitCode: number;
  results: ScenarioResult[];
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

export interface ResultJson {
  file: string;
  name: string;
  student?: string;
  programs?: Record<string, string>;
  verdict: ScenarioResult['status'];
  seconds: number;
  checks: { passed: number; total: number };
  failures: { step: string; host: string | null; subject: string; reason: string }[];
  issues: string[];
  error: { message: string; during: 'bring-up' | 'steps'; engine: boolean } | null;
  runFolder: string | null;
}

export interface SuiteJson {
  lesson: { file: string; name: string } | null;
  jobs: number;
  startedAt: string;
  seconds: number;
  interrupted: string | null;
  exitCode: number;
  totals: SuiteTotals;
  results: ResultJson[];
}

function resultJson(result: ScenarioResult): ResultJson {
  return {
    file: shortPath(result.file),
    name: result.name,
    ...(result.student !== undefined ? { student: result.student } : {}),
    ...(result.programs !== undefined ? { programs: Object.fromEntries(Object.entries(result.programs).map(([key, path]) => [key, shortPath(path)])) } : {}),
    verdict: result.status,
    seconds: round(result.seconds),
    checks: { passed: result.checksPassed, total: result.checksTotal },
    failures: result.failures.map((failure) => ({ step: failure.step, host: failure.host ?? null, subject: failure.subject, reason: failure.reason })),
    issues: result.issues,
    error: result.error ?? null,
    runFolder: result.outputDir !== undefined ? shortPath(result.outputDir) : null,
  };
}

/** The report as one JSON value (`socklab test --json`). */
export function suiteJson(report: SuiteReport): SuiteJson {
  return {
    lesson: report.lesson ? { file: shortPath(report.lesson.file), name: report.lesson.name } : null,
    jobs: report.jobs,
    startedAt: report.startedAt.toISOString(),
    seconds: round(report.seconds),
    interrupted: report.interrupted ?? null,
    exitCode: report.exitCode,
    totals: totalsOf(report.results),
    results: report.results.map(resultJson),
  };
}

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

/** JUnit's four outcomes: an engine failure or an invalid file is an error (not the lesson's fault), an unfinished run is skipped. */
function outcomeOf(result: ScenarioResult): Outcome {
  switch (result.status) {
    case 'pass':
      return 'passed';
    case 'invalid':
      return 'error';
    case 'interrupted':
    case 'not run':
      return 'skipped';
    case 'fail':
      return result.error?.engine ? 'error' : 'failure';
    case 'no program':
      return 'failure';
  }
}

function testcase(result: ScenarioResult, classname: string): XmlElement {
  const outcome = outcomeOf(result);
  const problems = problemLines(result);
  const children: XmlElement[] = [];
  if (result.programs && Object.keys(result.programs).length > 0) {
    children.push({
      name: 'properties',
      children: Object.entries(result.programs).map(([key, path]) => ({ name: 'property', attributes: { name: `program.${key}`, value: shortPath(path) } })),
    });
  }
  if (outcome === 'skipped') {
    children.push({
      name: 'skipped',
      attributes: { message: result.status === 'interrupted' ? 'interrupted' : 'not run: the suite was interrupted before it started' },
    });
  } else if (outcome !== 'passed') {
    children.push({
      name: outcome,
      attributes: { message: problems[0] ?? result.status, type: result.status },
      children: [problems.join('\n')],
    });
  }
  const out = [`verdict: ${result.status}`, `checks: ${result.checksPassed}/${result.checksTotal}`];
  if (result.outputDir !== undefined) out.push(`run folder: ${shortPath(result.outputDir)}`);
  children.push({ name: 'system-out', children: [out.join('\n')] });
  return {
    name: 'testcase',
    attributes: { name: result.student ?? result.name, classname, file: shortPath(result.file), time: round(result.seconds) },
    children,
  };
}

/** The report as a JUnit XML document: testsuites > one testsuite (this run) > a testcase per scenario or student. */
export function suiteJunit(report: SuiteReport): string {
  const name = report.lesson ? `socklab grading: ${report.lesson.name}` : 'socklab test';
  const classname = report.lesson?.name ?? 'socklab';
  const outcomes = report.results.map(outcomeOf);
  const count = (outcome: Outcome) => outcomes.filter((each) => each === outcome).length;
  const totals = {
    tests: report.results.length,
    failures: count('failure'),
    errors: count('error'),
    skipped: count('skipped'),
    time: round(report.seconds),
  };
  return xmlDocument({
    name: 'testsuites',
    attributes: { name, ...totals },
    children: [
      {
        name: 'testsuite',
        attributes: { name, ...totals, timestamp: report.startedAt.toISOString().replace(/\.\d+Z$/, ''), hostname: hostname() },
        children: report.results.map((result) => testcase(result, classname)),
      },
    ],
  });
}
