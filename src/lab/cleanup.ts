// What on the engine is a leftover, and removing only that. On an engine shared by a class,
// other people's runs in progress and labs they keep up are not leftovers: a run is dead
// when the socklab process that made it is gone and it is not a whole lab left up on
// purpose. Helper containers of dead processes and host rules of bridges that are gone are
// leftovers too.
import { LABEL } from '../runtime/labels.js';
import type { ContainerInfo, Runtime } from '../runtime/runtime.js';
import { listBridgeRules, removeBridgeRules } from './host-rules.js';
import { labsFromEngine, type LabInfo } from './labs.js';
import { ownerState } from './ownership.js';
import { teardownRun, type TeardownReport } from './teardown.js';

/**
 * - running: its socklab process is alive (a run, or an `up` still coming up);
 * - elsewhere: made by a socklab process on another machine or in another container,
 *   whose life cannot be checked from here;
 * - up: left up on purpose, and whole (every host there and running);
 * - dead: its process is gone, and it is not a whole lab kept on purpose.
 */
export type RunState = 'running' | 'elsewhere' | 'up' | 'dead';

export function runState(lab: LabInfo): RunState {
  if (lab.owner === 'alive') return 'running';
  if (lab.owner === 'elsewhere') return 'elsewhere';
  const whole =
    lab.hosts.length > 0 && lab.hosts.every((host) => host.state === 'running') && (lab.expectedHosts === undefined || lab.hosts.length === lab.expectedHosts);
  return lab.kept && whole ? 'up' : 'dead';
}

/** Helper containers (rule setters, doctor's probe) whose socklab process is gone. */
export function strayHelpers(containers: ContainerInfo[]): ContainerInfo[] {
  return containers.filter((container) => LABEL.helper in container.labels && !(LABEL.host in container.labels) && ownerState(container.labels) === 'dead');
}

/** The run ids named by host rules whose run has no network left on the engine. */
export function strayRuleRuns(rules: string[], labs: LabInfo[]): string[] {
  const live = new Set(labs.filter((lab) => lab.networks.length > 0).map((lab) => lab.runId));
  const runs = new Set(rules.flatMap((rule) => [...rule.matchAll(/sl-([0-9a-f]{6})-/g)].map((match) => match[1]!)));
  return [...runs].filter((run) => !live.has(run)).sort();
}

export interface EngineSnapshot {
  labs: LabInfo[];
  helpers: ContainerInfo[];
  /** Undefined when they could not be listed (no lab image). */
  rules?: string[];
}

export async function snapshotEngine(runtime: Runtime, image: string | undefined, signal?: AbortSignal): Promise<EngineSnapshot> {
  const [containers, networks, rules] = await Promise.all([
    runtime.listContainers([LABEL.run], { signal }),
    runtime.listNetworks({ signal }),
    image ? listBridgeRules(runtime, image, signal).catch(() => undefined) : undefined,
  ]);
  return {
    labs: labsFromEngine(
      containers,
      networks.filter((network) => LABEL.run in network.labels),
    ),
    helpers: strayHelpers(containers),
    rules,
  };
}

export interface CleanupReport {
  removed: (TeardownReport & { runId: string; scenario: string })[];
  kept: { lab: LabInfo; state: Exclude<RunState, 'dead'> }[];
  helpers: number;
  /** Host rules of runs that were already gone. */
  strayRules: number;
}

/** Removes the dead runs, stray helpers and stray host rules; keeps everything else. */
export async function cleanupDead(runtime: Runtime, image: string): Promise<CleanupReport> {
  const snapshot = await snapshotEngine(runtime, image);
  const report: CleanupReport = { removed: [], kept: [], helpers: 0, strayRules: 0 };
  for (const lab of snapshot.labs) {
    const state = runState(lab);
    if (state !== 'dead') {
      report.kept.push({ lab, state });
      continue;
    }
    report.removed.push({ runId: lab.runId, scenario: lab.scenario, ...(await teardownRun(runtime, image, lab.runId)) });
  }
  await Promise.all(snapshot.helpers.map((helper) => runtime.removeContainer(helper.name)));
  report.helpers = snapshot.helpers.length;
  for (const run of strayRuleRuns(snapshot.rules ?? [], snapshot.labs)) {
    report.strayRules += await removeBridgeRules(runtime, image, run, { prefixes: [`sl-${run}-`] });
  }
  return report;
}
