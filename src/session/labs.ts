// The labs that are up, for the commands that look at them, go into them or remove them:
// found from the engine's labels from any terminal, a host named as HOST or LAB/HOST, and a
// handle (Lab) on the one meant.
import type { HostProcesses } from '../in-host/in-host.js';
import { cleanupDead, type CleanupReport } from '../lab/cleanup.js';
import { Lab } from '../lab/lab.js';
import {
  imageForLab,
  labStatus,
  listLabs,
  parseHostSelector,
  requireRunning,
  selectHost,
  selectLab,
  selectLabs,
  type LabHostInfo,
  type LabInfo,
  type LabStatus,
} from '../lab/labs.js';
import { reapRuns } from '../lab/reaper.js';
import { LabSelectionError } from '../lab/selection-error.js';
import { teardownRun, type TeardownReport } from '../lab/teardown.js';
import { labImageRef } from '../image/lab-image.js';
import { connectEngine } from './engine.js';

export type { CleanupReport, HostStatus, LabHostInfo, LabInfo, LabStatus, TeardownReport };
import type { HostStatus } from '../lab/labs.js';

/** A host of a lab that is up, and the ways into it. */
export interface HostTarget {
  lab: LabInfo;
  host: LabHostInfo;
  /** A handle on its lab. */
  handle: Lab;
  inHost: HostProcesses;
}

/** The running host `target` names (`HOST` or `LAB/HOST`); a malformed name fails before any engine call. */
export async function findHost(target: string, signal?: AbortSignal): Promise<HostTarget> {
  const selector = parseHostSelector(target);
  const runtime = await connectEngine(signal);
  const { lab, host } = selectHost(await listLabs(runtime, signal), selector);
  requireRunning(lab, host);
  const handle = Lab.attach(runtime, lab, labImageRef());
  return { lab, host, handle, inHost: handle.inHost(host.name) };
}

/** Whether `target` names a lab that is up rather than a host (`socklab ps NAME` means either). */
export async function namesLab(target: string, signal?: AbortSignal): Promise<boolean> {
  const labs = await listLabs(await connectEngine(signal), signal);
  try {
    selectHost(labs, parseHostSelector(target));
    return false;
  } catch (error) {
    if (error instanceof LabSelectionError && labs.some((lab) => lab.name === target || lab.scenario === target || lab.runId === target)) return true;
    throw error;
  }
}

/** The labs that are up (or the one `labName` names), with the programs in each host. */
export async function statusOf(labName: string | undefined, signal?: AbortSignal): Promise<LabStatus[]> {
  const runtime = await connectEngine(signal);
  const labs = await listLabs(runtime, signal);
  return labStatus(runtime, labName === undefined ? labs : [selectLab(labs, labName)], signal);
}

/**
 * Removes the labs `patterns` name (names, run ids, globs), all at once, or the only lab up
 * when none is named; undefined when no lab is up and none was named.
 */
export async function removeLabs(patterns: readonly string[]): Promise<{ labs: LabInfo[]; removed: TeardownReport } | undefined> {
  const runtime = await connectEngine();
  const labs = await listLabs(runtime);
  if (labs.length === 0 && patterns.length === 0) return undefined;
  if (labs.length > 1 && patterns.length === 0) {
    const names = labs.map((lab) => `${lab.name} (run ${lab.runId})`).join(', ');
    throw new LabSelectionError(
      `${labs.length} labs are up: ${names}. Name them (socklab down NAME..., or a glob such as 'class-*') or remove all (socklab down --all).`,
    );
  }
  const chosen = patterns.length === 0 ? [selectLab(labs)] : selectLabs(labs, patterns);
  const removed = await teardownRun(
    runtime,
    await imageForLab(runtime, chosen[0]),
    chosen.map((lab) => lab.runId),
  );
  return { labs: chosen, removed };
}

/** Removes every object carrying a socklab label, and socklab's host rules. */
export async function removeEverything(): Promise<TeardownReport> {
  const runtime = await connectEngine();
  return teardownRun(runtime, await imageForLab(runtime));
}

/** Removes what was left behind (dead runs, their host rules, stray helpers); keeps runs in progress and labs up on purpose. */
export async function removeLeftovers(): Promise<CleanupReport> {
  const runtime = await connectEngine();
  return cleanupDead(runtime, await imageForLab(runtime));
}

/** What the reaper does once the socklab process that made `runs` is gone. */
export async function reap(runs: string[], image: string, log: (line: string) => void): Promise<void> {
  await reapRuns(await connectEngine(), image, runs, log);
}
