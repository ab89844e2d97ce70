// Labs brought up to stay: setup done (networks, hosts, routes, NAT and the scenario's
// `start` steps), every program the lesson uses installed, and then left running for exec,
// shell, logs, capture... from any terminal, until `socklab down`. One lab, a named one, or
// N named copies of one lesson brought up side by side (each with the lesson's addresses).
import type { Reporter } from '../lab/reporter.js';
import { LAB_NAME, labStatus, listLabs, imageForLab, type LabStatus } from '../lab/labs.js';
import { ProgramLibrary } from '../lab/programs.js';
import { LabSelectionError } from '../lab/selection-error.js';
import { teardownRun } from '../lab/teardown.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';
import { visitSteps, type StartStep, type Step } from '../scenario/model.js';
import { bringUp, takeDown, type LabSession } from './bring-up.js';

export interface UpOptions {
  runtime: Runtime;
  loaded: LoadedScenario;
  image: string;
  /** The reporter of each lab, by its name. */
  reporter: (labName: string) => Reporter;
  signal?: AbortSignal;
  /** Replace the labs of these names that are up, rather than refuse. */
  replace?: boolean;
  /** The lab's name (default: the scenario's); with `copies`, the copies' common stem. */
  name?: string;
  /** Bring up NAME-1..NAME-N. */
  copies?: number;
}

/** The most copies one `up` makes: a class, with room to spare. */
export const MAX_COPIES = 200;

/**
 * The steps `up` runs: the background programs a lesson starts (servers, routers' helpers),
 * wherever they are written, a capture's steps included (the capture itself is `socklab
 * capture`'s to make, when wanted).
 */
export function setupSteps(steps: readonly Step[]): StartStep[] {
  const starts: StartStep[] = [];
  visitSteps(steps, { start: (step) => starts.push(step) });
  return starts;
}

/** The names `up` gives: the lab's own, or NAME-1..NAME-N. Bad names fail before any engine call. */
export function labNames(scenario: string, options: { name?: string; copies?: number }): string[] {
  const stem = options.name ?? scenario;
  if (!LAB_NAME.test(stem)) {
    throw new LabSelectionError(`'${stem}' is not a lab name: use letters, digits, '-' and '_' (at most 41), starting with a letter.`);
  }
  if (options.copies === undefined) return [stem];
  if (!Number.isInteger(options.copies) || options.copies < 1 || options.copies > MAX_COPIES) {
    throw new LabSelectionError(`--copies takes a whole number from 1 to ${MAX_COPIES}; it was ${options.copies}.`);
  }
  return Array.from({ length: options.copies }, (_, index) => `${stem}-${index + 1}`);
}

/**
 * Brings the labs up to stay, all at once; returns what is up, programs included. Either
 * every lab comes up or none stays: on any failure, what was made is removed.
 */
export async function upLabs(options: UpOptions): Promise<LabStatus[]> {
  const { runtime, loaded, signal } = options;
  const names = labNames(loaded.scenario.name, options);
  const labs = await listLabs(runtime, signal);
  const already = labs.filter((lab) => names.includes(lab.name));
  if (already.length > 0 && !options.replace) {
    const list = already.map((lab) => `${lab.name} (run ${lab.runId})`).join(', ');
    const file = loaded.file;
    throw new LabSelectionError(
      `${already.length === 1 ? 'a lab of that name is' : 'labs of those names are'} already up: ${list}. ` +
        `Use ${already.length === 1 ? 'it' : 'them'} (socklab status), replace (socklab up --replace ${file}${options.name ? ` --name ${options.name}` : ''}${options.copies ? ` --copies ${options.copies}` : ''}), ` +
        `choose another name (--name) or remove ${already.length === 1 ? 'it' : 'them'} (socklab down ${already.map((lab) => lab.name).join(' ')}).`,
    );
  }
  if (already.length > 0) {
    const removed = await teardownRun(
      runtime,
      await imageForLab(runtime, already[0]),
      already.map((lab) => lab.runId),
    );
    for (const lab of already) options.reporter(lab.name).info(`replaced run ${lab.runId} of '${lab.name}'`);
    options.reporter(names[0]!).info(`removed ${removed.containers} container(s), ${removed.networks} network(s) of the labs replaced`);
  }

  // Copies share one bundle of each program.
  const programs = new ProgramLibrary(loaded.dir, loaded.programRoots);
  const results = await Promise.allSettled(names.map((name) => upOne(options, name, programs)));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.allSettled(
      results.flatMap((result, index) => (result.status === 'fulfilled' ? [takeDown(result.value, options.reporter(names[index]!))] : [])),
    );
    throw failed.reason;
  }
  const sessions = results.map((result) => (result as PromiseFulfilledResult<LabSession>).value);
  // Up on purpose from here on: never the reaper's.
  for (const session of sessions) session.reaper.release(session.lab.runId);
  const listed = await listLabs(runtime, signal);
  const made = sessions.map((session, index) => {
    const found = listed.find((lab) => lab.runId === session.lab.runId);
    if (!found) throw new Error(`lab '${names[index]}' (run ${session.lab.runId}) vanished right after it came up: was 'socklab cleanup' run meanwhile?`);
    return found;
  });
  const hostsWithPrograms = new Set(setupSteps(loaded.scenario.steps).map((step) => step.host));
  const justMade = new Map(sessions.map((session) => [session.lab.runId, { lab: session.lab, hostsWithPrograms }]));
  return labStatus(runtime, made, signal, justMade);
}

/** One lab up with its setup steps; still in the reaper's care. A lab that fails here is removed. */
async function upOne(options: UpOptions, labName: string, programs: ProgramLibrary): Promise<LabSession> {
  const reporter = options.reporter(labName);
  const session = await bringUp({ ...options, reporter, labName, programs, keep: true });
  try {
    await session.runner.runAll(setupSteps(options.loaded.scenario.steps), 'setup ');
    await session.runner.detach();
    return session;
  } catch (error) {
    await takeDown(session, reporter).catch(() => undefined);
    throw error;
  }
}
