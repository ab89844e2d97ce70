// The scenario as its users need it, between the schema and them: steps as a tagged union
// with their shapes normalised (an observe's hosts and views, an expect's list, a wait_for's
// text or port), the format's defaults applied (timeouts), and each program's file found
// once; one visitor that walks the steps, nested ones included; and the facts the format
// implies (a network's gateway, the host at an address, the routers' addresses). Built from
// the validated value by load.ts; the rules, the lab and the scripts read this, not the YAML.
import type { PathSegment } from './issues.js';
import { resolveProgramPath, type ProgramLocation } from './program-path.js';
import {
  durationMs,
  type ExpectationValue,
  type OBSERVATIONS,
  type OutputExpectationValue,
  type RunStepValue,
  type ScenarioValue,
  type StartStepValue,
  type StepValue,
} from './schema.js';

/** A standard view of a host: netstat, ps, conntrack... (observe/commands.ts runs them). */
export type ObservationName = (typeof OBSERVATIONS)[number];

/** The defaults the format documents (docs/scenario-format.md). */
export const STEP_DEFAULTS: { waitForMs: number; runMs: number; waitMs: number; views: readonly ObservationName[] } = {
  waitForMs: 10_000,
  runMs: 30_000,
  waitMs: 30_000,
  views: ['netstat', 'ps'],
};

/** What a program step runs. */
export type ProgramRef =
  | {
      kind: 'file';
      /** As written in the scenario (or on the command line, for a program put in its place). */
      written: string;
      /** Where it was looked for, and what was found. */
      location: ProgramLocation;
      /**
       * The name it runs under in the host, without extension (default: the file's own). A
       * program put in place of a lesson's keeps the lesson's name, so that `ps` and the
       * lesson's `process` expectations see the name they expect.
       */
      installAs?: string;
    }
  | { kind: 'shell'; script: string }
  | { kind: 'argv'; argv: string[] };

interface StepBase {
  /** Where the step is written in the scenario, for messages. */
  at: PathSegment[];
}

interface ProgramStepBase extends StepBase {
  host: string;
  id?: string;
  /** Undefined when the step names neither a program nor a command (a rule reports it). */
  program?: ProgramRef;
  /** Both `program` and `command` were given (a rule reports it). */
  programAndCommand: boolean;
  args: string[];
  env: Record<string, string>;
}

/** What a `wait_for` waits for: a text in the output, or a port that listens. */
export interface WaitFor {
  text?: { contains?: string; regex?: string };
  port?: number;
  protocol: 'tcp' | 'udp';
}

export interface StartStep extends ProgramStepBase {
  kind: 'start';
  waitFor?: WaitFor;
  /** How long `wait_for` may take. */
  timeoutMs: number;
  /** A `timeout` is written (it only means something with `wait_for`). */
  timeoutWritten: boolean;
}

export interface RunStep extends ProgramStepBase {
  kind: 'run';
  timeoutMs: number;
  expect?: OutputExpectationValue;
}

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  runs: RunStep[];
}

export interface SleepStep extends StepBase {
  kind: 'sleep';
  ms: number;
}

export interface ObserveStep extends StepBase {
  kind: 'observe';
  hosts: { name: string; at: PathSegment[] }[];
  /** The standard views (default: netstat and ps), unless a `command` of its own is given. */
  views: ObservationName[];
  command?: string;
  /** Both `show` and `command` were given (a rule reports it). */
  showAndCommand: boolean;
}

export interface StopStep extends StepBase {
  kind: 'stop';
  id: string;
  signal: string;
  expect?: OutputExpectationValue;
}

export interface WaitStep extends StepBase {
  kind: 'wait';
  id: string;
  timeoutMs: number;
  expect?: OutputExpectationValue;
}

export interface ExpectStep extends StepBase {
  kind: 'expect';
  expectations: { expectation: ExpectationValue; at: PathSegment[] }[];
}

export interface CaptureStep extends StepBase {
  kind: 'capture';
  /** Names the capture for `packets` expectations after it. */
  id?: string;
  /** The hosts it records on (every host for `all`), with where each is named. */
  hosts: { name: string; at: PathSegment[] }[];
  /** `all`: every host, each on whichever of `networks` it is on. */
  everyHost: boolean;
  /** Neither `host` nor `hosts` was given, or both (a rule reports it). */
  hostsUnclear: boolean;
  networks?: string[];
  filter?: string;
  steps: Step[];
}

export type Step = StartStep | RunStep | ParallelStep | SleepStep | ObserveStep | StopStep | WaitStep | ExpectStep | CaptureStep;
export type StepKind = Step['kind'];
export type ProgramStep = StartStep | RunStep;

/** The validated scenario with its steps as the model's. */
export interface Scenario extends Omit<ScenarioValue, 'steps'> {
  steps: Step[];
}

// ---- building -------------------------------------------------------------------------

const textOf = (env: Record<string, string | number | boolean> | undefined) =>
  Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));

function programStep(step: StartStepValue | RunStepValue, at: PathSegment[], scenarioDir: string): Omit<ProgramStepBase, 'host'> {
  const program: ProgramRef | undefined =
    step.program !== undefined
      ? { kind: 'file', written: step.program, location: resolveProgramPath(step.program, scenarioDir) }
      : step.command === undefined
        ? undefined
        : Array.isArray(step.command)
          ? { kind: 'argv', argv: step.command }
          : { kind: 'shell', script: step.command };
  return {
    at,
    ...(step.id !== undefined ? { id: step.id } : {}),
    ...(program ? { program } : {}),
    programAndCommand: step.program !== undefined && step.command !== undefined,
    args: (step.args ?? []).map(String),
    env: textOf(step.env),
  };
}

function runStep(step: RunStepValue, at: PathSegment[], scenarioDir: string): RunStep {
  return {
    kind: 'run',
    ...programStep(step, at, scenarioDir),
    host: step.run,
    timeoutMs: durationMs(step.timeout, STEP_DEFAULTS.runMs),
    ...(step.expect ? { expect: step.expect } : {}),
  };
}

function modelStep(step: StepValue, at: PathSegment[], scenarioDir: string, allHosts: readonly string[]): Step {
  if ('start' in step) {
    const waitFor = step.wait_for;
    const spec = typeof waitFor === 'string' ? { output: waitFor } : waitFor;
    return {
      kind: 'start',
      ...programStep(step, at, scenarioDir),
      host: step.start,
      ...(spec
        ? {
            waitFor: {
              ...(spec.output !== undefined || spec.regex !== undefined ? { text: { contains: spec.output, regex: spec.regex } } : {}),
              ...(spec.port !== undefined ? { port: spec.port } : {}),
              protocol: spec.protocol ?? 'tcp',
            },
          }
        : {}),
      timeoutMs: durationMs(step.timeout, STEP_DEFAULTS.waitForMs),
      timeoutWritten: step.timeout !== undefined,
    };
  }
  if ('run' in step) return runStep(step, at, scenarioDir);
  if ('parallel' in step) return { kind: 'parallel', at, runs: step.parallel.map((run, index) => runStep(run, [...at, 'parallel', index], scenarioDir)) };
  if ('sleep' in step) return { kind: 'sleep', at, ms: durationMs(step.sleep, 0) };
  if ('observe' in step) {
    const observe = step.observe;
    if (typeof observe === 'string')
      return { kind: 'observe', at, hosts: [{ name: observe, at: [...at, 'observe'] }], views: [...STEP_DEFAULTS.views], showAndCommand: false };
    if (Array.isArray(observe))
      return {
        kind: 'observe',
        at,
        hosts: observe.map((name, index) => ({ name, at: [...at, 'observe', index] })),
        views: [...STEP_DEFAULTS.views],
        showAndCommand: false,
      };
    return {
      kind: 'observe',
      at,
      hosts: observe.hosts.map((name, index) => ({ name, at: [...at, 'observe', 'hosts', index] })),
      views: observe.command !== undefined ? [] : [...(observe.show ?? STEP_DEFAULTS.views)],
      ...(observe.command !== undefined ? { command: observe.command } : {}),
      showAndCommand: observe.show !== undefined && observe.command !== undefined,
    };
  }
  if ('stop' in step) return { kind: 'stop', at, id: step.stop, signal: step.signal ?? 'SIGTERM', ...(step.expect ? { expect: step.expect } : {}) };
  if ('wait' in step)
    return { kind: 'wait', at, id: step.wait, timeoutMs: durationMs(step.timeout, STEP_DEFAULTS.waitMs), ...(step.expect ? { expect: step.expect } : {}) };
  if ('expect' in step) {
    const list = Array.isArray(step.expect) ? step.expect : [step.expect];
    return {
      kind: 'expect',
      at,
      expectations: list.map((expectation, index) => ({ expectation, at: Array.isArray(step.expect) ? [...at, 'expect', index] : [...at, 'expect'] })),
    };
  }
  const capture = step.capture;
  const spec = typeof capture === 'string' || Array.isArray(capture) ? { hosts: capture } : capture;
  const named = (names: 'all' | string[], where: PathSegment[]) =>
    names === 'all' ? allHosts.map((name) => ({ name, at: where })) : names.map((name, index) => ({ name, at: [...where, index] }));
  const hostsAt = typeof capture === 'string' || Array.isArray(capture) ? [...at, 'capture'] : [...at, 'capture', 'hosts'];
  return {
    kind: 'capture',
    at,
    hosts: [
      ...(spec.host !== undefined ? [{ name: spec.host, at: [...at, 'capture', 'host'] }] : []),
      ...(spec.hosts !== undefined ? named(spec.hosts, hostsAt) : []),
    ],
    everyHost: spec.hosts === 'all',
    hostsUnclear: (spec.host === undefined) === (spec.hosts === undefined),
    ...(spec.id !== undefined ? { id: spec.id } : {}),
    ...(spec.networks ? { networks: spec.networks } : {}),
    ...(spec.filter !== undefined ? { filter: spec.filter } : {}),
    steps: step.steps.map((inner, index) => modelStep(inner, [...at, 'steps', index], scenarioDir, allHosts)),
  };
}

/** The model of a validated scenario; program files are looked for in `scenarioDir` (and socklab's programs). */
export function buildScenario(value: ScenarioValue, scenarioDir: string): Scenario {
  const { steps, ...rest } = value;
  const hosts = Object.keys(value.hosts);
  return { ...rest, steps: (steps ?? []).map((step, index) => modelStep(step, ['steps', index], scenarioDir, hosts)) };
}

// ---- walking ---------------------------------------------------------------------------

export type StepVisitor = { [K in StepKind]?: (step: Extract<Step, { kind: K }>) => void };

/**
 * Calls the visitor for every step in order, depth first: a `parallel` step, then each of its
 * runs as a `run`; a `capture` step, then the steps it holds.
 */
export function visitSteps(steps: readonly Step[], visitor: StepVisitor): void {
  for (const step of steps) {
    (visitor[step.kind] as ((step: Step) => void) | undefined)?.(step);
    if (step.kind === 'parallel') visitSteps(step.runs, visitor);
    if (step.kind === 'capture') visitSteps(step.steps, visitor);
  }
}

/**
 * The steps with every program step passed through `change` (nested ones included); the
 * other steps are kept as they are. For putting other programs in a lesson's place.
 */
export function mapProgramSteps(steps: readonly Step[], change: (step: ProgramStep) => ProgramStep): Step[] {
  return steps.map((step): Step => {
    switch (step.kind) {
      case 'start':
      case 'run':
        return change(step);
      case 'parallel':
        return { ...step, runs: step.runs.map((run) => change(run) as RunStep) };
      case 'capture':
        return { ...step, steps: mapProgramSteps(step.steps, change) };
      default:
        return step;
    }
  });
}

// ---- facts ------------------------------------------------------------------------------

type Topology = Pick<ScenarioValue, 'networks' | 'hosts'>;

/** The host that has `ip` on one of its networks. */
export function hostAt(scenario: Topology, ip: string): string | undefined {
  return Object.entries(scenario.hosts).find(([, spec]) => Object.values(spec.networks).includes(ip))?.[0];
}

/** Every router address, with its router: where routes may point. */
export function routerAddresses(scenario: Topology): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    if (spec.role !== 'router') continue;
    for (const ip of Object.values(spec.networks)) addresses.set(ip, host);
  }
  return addresses;
}

/** Whether any router translates addresses (a who-sees-what picture is worth drawing). */
export const hasNat = (scenario: Topology) => Object.values(scenario.hosts).some((host) => (host.nat ?? []).length > 0);
