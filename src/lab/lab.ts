// A lab on the engine: bringing a plan up, configuring hosts, and tearing it all down.
// Teardown works from labels alone, so it also removes what a crashed run left behind.
import { readFile } from 'node:fs/promises';
import type { Runtime, ExecOptions, ExecResult } from '../runtime/runtime.js';
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import { ScenarioError } from '../scenario/issues.js';
import type { LoadedScenario } from '../scenario/load.js';
import { overlaps } from '../util/ipv4.js';
import { addBridgeRules, removeBridgeRules } from './host-rules.js';
import type { LabPlan, PlannedHost } from './plan.js';

export interface LabLog {
  (message: string): void;
}

export class Lab {
  private constructor(
    readonly runtime: Runtime,
    readonly plan: LabPlan,
    readonly image: string,
  ) {}

  /** A lab that is already up (made by another process), described by `plan` (see lab/labs.ts). */
  static attach(runtime: Runtime, plan: LabPlan, image: string): Lab {
    return new Lab(runtime, plan, image);
  }

  get runId(): string {
    return this.plan.runId;
  }

  host(name: string): PlannedHost {
    const host = this.plan.hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`no host '${name}' in this lab`);
    return host;
  }

  exec(host: string, command: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runtime.exec(this.host(host).container, command, options);
  }

  /** Runs a shell snippet in a host, failing with the host's name and the output on error. */
  async sh(host: string, script: string, what: string): Promise<string> {
    const result = await this.exec(host, ['sh', '-c', script]);
    if (result.exitCode !== 0) {
      throw new Error(`${what} failed on host '${host}' (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
    }
    return result.stdout;
  }

  /**
   * Creates networks, bridge rules and containers, starts them and configures routes and NAT.
   * On any failure (or abort) everything already created is removed before the error is
   * rethrown: a failed `up` never leaves half a lab.
   */
  static async up(
    runtime: Runtime,
    loaded: LoadedScenario,
    plan: LabPlan,
    image: string,
    options: { log: LabLog; signal?: AbortSignal },
  ): Promise<Lab> {
    const lab = new Lab(runtime, plan, image);
    await checkSubnetsFree(runtime, loaded);
    const checkAbort = () => options.signal?.throwIfAborted();
    try {
      checkAbort();
      options.log(`creating ${plan.networks.length} network(s) and ${plan.hosts.length} host(s) (run ${plan.runId})`);
      await settleAll(plan.networks.map((network) => runtime.createNetwork(network.spec)));
      checkAbort();
      // The host rules need only the bridges; they go in while the containers are made.
      await settleAll([
        addBridgeRules(runtime, image, plan.runId, plan.routedBridges),
        ...plan.hosts.map((host) => runtime.createContainer(host.spec)),
      ]);
      checkAbort();
      await settleAll(plan.hosts.map((host) => runtime.startContainer(host.container)));
      checkAbort();
      await settleAll(
        plan.hosts.flatMap((host) => [lab.sh(host.name, host.setupScript, 'network setup (routes, NAT)'), copyHostFiles(runtime, host)]),
      );
      return lab;
    } catch (error) {
      await teardownRun(runtime, image, plan.runId);
      throw error;
    }
  }

  teardown(): Promise<TeardownReport> {
    return teardownRun(this.runtime, this.image, this.plan.runId);
  }
}

async function copyHostFiles(runtime: Runtime, host: PlannedHost): Promise<void> {
  if (host.files.length === 0) return;
  const files = await Promise.all(
    host.files.map(async (file) => ({ path: file.pathInHost, content: await readFile(file.source), mode: 0o644 })),
  );
  await runtime.copyFiles(host.container, files);
}

/**
 * Waits for every operation before failing, so nothing is still being created when teardown
 * lists what to remove.
 */
async function settleAll(operations: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(operations);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Docker refuses overlapping subnets; say which existing network holds the range, before creating anything. */
async function checkSubnetsFree(runtime: Runtime, loaded: LoadedScenario): Promise<void> {
  const existing = await runtime.listNetworks();
  const issues = [];
  for (const [name, network] of Object.entries(loaded.scenario.networks)) {
    const clash = existing.find((other) => other.subnets.some((subnet) => overlaps(subnet, network.subnet)));
    if (!clash) continue;
    const path = ['networks', name, 'subnet'];
    const position = loaded.source.position(path);
    const owner = clash.labels[LABEL.scenario]
      ? ` (socklab lab '${clash.labels[LABEL.scenario]}', run ${clash.labels[LABEL.run]}: 'socklab down' removes it)`
      : '';
    issues.push({
      file: loaded.file,
      ...position,
      path: path.join('.'),
      message: `subnet ${network.subnet} overlaps the engine's network '${clash.name}' (${clash.subnets.join(', ')})${owner}; choose another range.`,
      layer: 'engine' as const,
    });
  }
  if (issues.length > 0) throw new ScenarioError(issues);
}

export interface TeardownReport {
  containers: number;
  networks: number;
  rules: number;
}

/**
 * Removes every container, host rule and network of one run (or, with runId undefined,
 * of every socklab run). Containers go first: a network cannot be removed while in use.
 */
export async function teardownRun(runtime: Runtime, image: string, runId?: string): Promise<TeardownReport> {
  const filter = runId ? { [LABEL.run]: runId } : [LABEL.run];
  const containers = await runtime.listContainers(filter);
  const bridgePrefix = runId ? `${BRIDGE_PREFIX}${runId}-` : BRIDGE_PREFIX;
  // Host rules and containers are independent: remove both at once; networks go last.
  const removeRules = async () =>
    (await runtime.findImage(image)) ? removeBridgeRules(runtime, image, runId ?? 'cleanup', bridgePrefix) : 0;
  const [rules] = await Promise.all([
    removeRules(),
    settleAll(containers.map((container) => runtime.removeContainer(container.name))),
  ]);
  const networks = (await runtime.listNetworks()).filter((network) =>
    runId ? network.labels[LABEL.run] === runId : LABEL.run in network.labels,
  );
  await settleAll(networks.map((network) => runtime.removeNetwork(network.name)));
  // The rule helper is itself a labelled container; make sure none survived an interruption.
  const helpers = await runtime.listContainers(filter);
  await settleAll(helpers.map((container) => runtime.removeContainer(container.name)));
  return { containers: containers.length, networks: networks.length, rules };
}
