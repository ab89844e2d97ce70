// A lab on the engine: bringing a plan up, and tearing it all down. A Lab is a handle on
// what is up (run id, hosts, their containers, roles and addresses), whether this process
// made it (Lab.up) or found it from the engine's labels (Lab.attach). Teardown works from
// labels alone, so it also removes what a crashed run left behind.
import { LABEL } from '../runtime/labels.js';
import { ConflictError, EngineError, NotFoundError, type ExecSession, type FileToCopy, type Runtime } from '../runtime/runtime.js';
import { HostProcesses, type InHost } from '../in-host/in-host.js';
import { ScenarioError, type ScenarioIssue } from '../scenario/issues.js';
import { findLocalFile } from '../scenario/local-files.js';
import { MAX_HOST_FILE_BYTES } from '../scenario/rules.js';
import { AGENT_IN_HOST } from '../in-host/contract.js';
import type { LoadedScenario } from '../scenario/load.js';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';
import { addBridgeRules, startRulesKeeper } from './host-rules.js';
import { addressLab, transitGateway, transitPool, type TransitPool } from './addressing.js';
import type { LabPlan, PlannedNetwork } from './plan.js';
import { currentOwner, ownerText } from './ownership.js';
import { processReaper, type Reaper } from './reaper.js';
import { teardownRun, type TeardownReport } from './teardown.js';
import { settleAll } from '../util/settle.js';
import { crowd } from '../util/crowd.js';
import { netemOnlyUses } from '../scenario/impairments.js';
import { netemSupport } from './impairments.js';
import { filesInSetup } from './files-in-setup.js';

export interface LabLog {
  (message: string): void;
}

/** A host of a lab that is up. */
export interface LabHost {
  name: string;
  container: string;
  role: 'host' | 'router';
  /** Network name -> address. */
  ips: Record<string, string>;
  /** Its memory limit, when known (to word out-of-memory kills). */
  memoryBytes?: number;
}

/** What steps, expectations and captures need of a lab: its hosts and a way into each. */
export interface LabAccess {
  readonly runId: string;
  readonly hosts: readonly LabHost[];
  host(name: string): LabHost;
  inHost(name: string): InHost;
  copyFiles(host: string, files: FileToCopy[], signal?: AbortSignal): Promise<void>;
}

/** How long host setup (addresses, routes, NAT, the in-host tools) may take once its container runs; longer when many hosts start at once (util/crowd.ts). */
const SETUP_TIMEOUT_MS = 30_000;
/** What a host prints once it is set up. */
const HOST_READY = 'socklab: host set up';

export class Lab implements LabAccess {
  private readonly processes = new Map<string, HostProcesses>();
  /** Gives this lab's transit blocks back to the pool (nothing for an attached lab). */
  private releaseTransit: () => void = () => undefined;

  private constructor(
    readonly runtime: Runtime,
    readonly runId: string,
    readonly scenario: string,
    readonly hosts: readonly LabHost[],
    readonly image: string,
  ) {}

  /** A handle on a lab that is already up (made by another process), found from labels. */
  static attach(runtime: Runtime, lab: { runId: string; scenario: string; hosts: readonly LabHost[] }, image: string): Lab {
    return new Lab(runtime, lab.runId, lab.scenario, lab.hosts, image);
  }

  host(name: string): LabHost {
    const host = this.hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`no host '${name}' in this lab`);
    return host;
  }

  inHost(name: string): HostProcesses {
    let processes = this.processes.get(name);
    if (!processes) {
      const host = this.host(name);
      processes = new HostProcesses(this.runtime, host.container, {
        host: name,
        restricted: host.role !== 'router',
        fromOutside: (script) =>
          this.runtime.runHelper({
            image: this.image,
            command: ['sh', '-c', script],
            labels: { [LABEL.run]: this.runId, [LABEL.helper]: 'signal', [LABEL.owner]: ownerText(currentOwner()) },
            hostNetwork: false,
            // The host's own capabilities: the kernel lets a process see another's files
            // (/proc/1/root) only when it holds at least the same.
            capAdd: ['NET_ADMIN'],
            pidNamespaceOf: host.container,
          }),
      });
      this.processes.set(name, processes);
    }
    return processes;
  }

  copyFiles(host: string, files: FileToCopy[], signal?: AbortSignal): Promise<void> {
    return this.runtime.copyFiles(this.host(host).container, files, { signal });
  }

  /**
   * Creates networks, host rules and containers, starts them and configures each host.
   * Creation calls are not cut short by an interruption (the engine would finish them
   * anyway, after teardown looked): it is checked between the phases, and anything already
   * made is removed before the error is rethrown, so a failed `up` never leaves half a lab.
   * From the first object on, the run is in the reaper's care, should this process die.
   */
  static async up(
    runtime: Runtime,
    loaded: LoadedScenario,
    plan: LabPlan,
    image: string,
    options: {
      log: LabLog;
      signal?: AbortSignal;
      reaper?: Reaper;
      transit?: TransitPool;
      /** More files for a host (its programs), copied with the scenario's files while the host is set up. */
      moreFiles?: (host: string) => Promise<FileToCopy[]>;
      /** The lab goes down in this same process: its rules helper stays until then (host-rules.ts, startRulesKeeper). */
      rulesKeeper?: boolean;
    },
  ): Promise<Lab> {
    const { signal } = options;
    const transit = options.transit ?? transitPool;
    const hosts = plan.hosts.map((host) => ({
      name: host.name,
      container: host.container,
      role: host.role,
      ips: host.ips,
      memoryBytes: host.limits.memoryBytes,
    }));
    const lab = new Lab(runtime, plan.runId, plan.scenario, hosts, image);
    const taken = await checkEngineCanHold(runtime, loaded, plan, image, signal);
    signal?.throwIfAborted();
    const reaper = options.reaper ?? processReaper(image);
    reaper.watch(plan.runId);
    // The rules keeper needs no network: it starts while they are made.
    const keeper = options.rulesKeeper && plan.bridges.length > 0 ? startRulesKeeper(runtime, image, plan.runId, plan.bridges) : undefined;
    keeper?.catch(() => undefined);
    try {
      options.log(`creating ${plan.networks.length} network(s) and ${plan.hosts.length} host(s) (run ${plan.runId})`);
      const blocks = new Map<string, string>();
      lab.releaseTransit = () => blocks.forEach((block) => transit.release(block));
      await settleAll(
        plan.networks.map(async (network) => {
          blocks.set(network.name, await createTransitNetwork(runtime, transit, network, taken, signal));
        }),
      );
      signal?.throwIfAborted();
      const addressed = addressLab(plan, blocks);
      // The host rules need only the bridges; they go in while the hosts are made. Each host
      // goes from creation to setup on its own, without waiting for the others.
      await settleAll([
        keeper ? keeper.then((started) => started.setRules()) : addBridgeRules(runtime, image, plan.runId, plan.bridges),
        ...plan.hosts.map(async (host, index) => {
          await runtime.createContainer(addressed.containers[index]!).catch((error: unknown) => {
            throw explainCreateError(error, loaded, ['hosts', host.name]);
          });
          signal?.throwIfAborted();
          // Its files go in with its setup script when they are small, else while it runs.
          const files = [...hostFiles(plan.scenarioDir, host.files), ...((await options.moreFiles?.(host.name)) ?? [])];
          const written = await filesInSetup(files);
          const script = [addressed.readdress.get(host.name)!, host.setupScript, ...(written ? [written] : [])].join('\n');
          await lab.startAndSetUp(host.container, host.name, script, signal, async () => {
            if (!written) await lab.copyFiles(host.name, files, signal);
          });
        }),
      ]);
      signal?.throwIfAborted();
      return lab;
    } catch (error) {
      // A keeper still starting would come after the teardown's look at the engine.
      await keeper?.catch(() => undefined);
      const report = await teardownRun(runtime, image, plan.runId).catch(() => undefined);
      if (report) reaper.release(plan.runId);
      lab.releaseTransit();
      throw error;
    }
  }

  /**
   * Starts a host, which sets itself up from `script` (addresses, routes, NAT, the launcher)
   * before anything else runs in it: no command is run into it for that. Then the host's
   * first process becomes its agent, on the input and output it was started with: this
   * process needs no exec to open one.
   */
  private async startAndSetUp(
    container: string,
    host: string,
    script: string,
    signal: AbortSignal | undefined,
    whileSettingUp: () => Promise<void>,
  ): Promise<void> {
    // One compound command, read whole before it runs; nothing in the setup reads the
    // script's input, and the agent reads what comes after it. When the agent ends (this
    // process let go of the host's input, or a fork failed in it) the host sleeps on: its
    // first process never ends while the host is up, and no `set -e` ends it either.
    const whole = `{\n{\n${script}\n} </dev/null\necho '${HOST_READY}'\nsh ${AGENT_IN_HOST} || :\nexec sleep infinity\n}`;
    const agent = this.inHost(host).agentFromHostStart();
    let session: ExecSession | undefined;
    try {
      // Counted with every other host and program this process is starting: many at once
      // give each setup longer (util/crowd.ts).
      session = await crowd.within(SETUP_TIMEOUT_MS, async (deadline) => {
        const started = await this.runtime.startWithScript(container, whole, {
          readyLine: HOST_READY,
          timeoutMs: deadline.ms,
          signal,
          whileSettingUp,
          then: agent.sinks,
        });
        if (started.ready) return started.session;
        const why = started.timedOut
          ? `it did not finish within ${deadline.describe()}`
          : `exit ${started.exitCode ?? '?'}: ${started.output.trim().slice(-300)}`;
        throw new Error(`the setup (addresses, routes, NAT, files) failed on host '${host}' (${why})`);
      });
    } finally {
      agent.adopt(session);
    }
  }

  async teardown(): Promise<TeardownReport> {
    // The hosts' agents first: one still opening would wait on an engine that may never
    // answer for a host being removed, and keep this process alive after the lab is gone.
    for (const processes of this.processes.values()) processes.close();
    const report = await teardownRun(this.runtime, this.image, this.runId);
    this.releaseTransit();
    return report;
  }
}

/** The scenario's files for one host, found again at copy time (the folder may have changed since validation). */
function hostFiles(scenarioDir: string, files: { name: string; pathInHost: string }[]): FileToCopy[] {
  return files.map((file) => {
    const found = findLocalFile(file.name, scenarioDir, { roots: [scenarioDir, BUNDLED_PROGRAMS_DIR], maxBytes: MAX_HOST_FILE_BYTES });
    if (found.kind !== 'found') throw new Error(`file '${file.name}' cannot be copied (${found.kind}); run socklab validate`);
    return { path: file.pathInHost, source: found.path, size: found.size, mode: 0o644 };
  });
}

/** How many times a network is given another transit block when the engine says its block was taken meanwhile. */
const TRANSIT_ATTEMPTS = 8;

/**
 * Creates a network on a free block of the transit pool. Another socklab (or anything else)
 * may take the same block between the listing and the creation; the engine then refuses it,
 * and another block is tried. Returns the block.
 */
async function createTransitNetwork(runtime: Runtime, transit: TransitPool, network: PlannedNetwork, taken: string[], signal?: AbortSignal): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const block = transit.claim(network.members.length, taken);
    try {
      await runtime.createNetwork({ ...network.spec, subnet: block, gateway: transitGateway(block) });
      return block;
    } catch (error) {
      transit.release(block);
      if (!(error instanceof EngineError && /overlap/i.test(error.engineMessage)) || attempt >= TRANSIT_ATTEMPTS || signal?.aborted) {
        throw error;
      }
      // Learn what took it (and whatever else appeared meanwhile) before choosing again.
      taken.push(block, ...(await runtime.listNetworks({ signal })).flatMap((other) => other.subnets));
    }
  }
}

/**
 * What the engine would refuse, found before anything is created and said at the line of
 * the scenario that causes it: an image it does not have, more CPUs than it has. Returns the
 * subnets the engine's networks hold (where transit blocks must not go).
 */
async function checkEngineCanHold(runtime: Runtime, loaded: LoadedScenario, plan: LabPlan, labImage: string, signal?: AbortSignal): Promise<string[]> {
  const issue = (path: (string | number)[], message: string, atKey = false): ScenarioIssue => ({
    file: loaded.file,
    ...(atKey ? loaded.source.keyPosition(path) : loaded.source.position(path)),
    path: path.join('.'),
    message,
    layer: 'engine',
  });
  const images = [...new Set(plan.hosts.map((host) => host.spec.image))];
  const wantsCpus = Math.max(0, ...plan.hosts.map((host) => host.limits.cpus));
  const [existing, present, capacity] = await Promise.all([
    runtime.listNetworks({ signal }),
    Promise.all(images.map(async (image) => [image, await runtime.findImage(image, { signal })] as const)),
    wantsCpus > 1 ? runtime.engineCapacity({ signal }) : undefined,
  ]);
  const issues: ScenarioIssue[] = [];
  for (const [image, found] of present) {
    if (found) continue;
    const where = Object.entries(loaded.scenario.hosts).find(([, host]) => host.image === image);
    const path = where ? ['hosts', where[0], 'image'] : ['image'];
    issues.push(
      issue(
        path,
        `the engine has no image '${image}', and socklab does not pull images; build or load it first (docker build -t ${image} ..., or docker load), or remove 'image:' to use socklab's lab image.`,
      ),
    );
  }
  if (capacity) {
    for (const [name, host] of Object.entries(loaded.scenario.hosts)) {
      const cpus = host.limits?.cpus;
      if (cpus !== undefined && cpus > capacity.cpus) {
        issues.push(issue(['hosts', name, 'limits', 'cpus'], `${cpus} CPUs is more than the engine has (${capacity.cpus}); give at most ${capacity.cpus}.`));
      }
    }
  }
  issues.push(...(await netemIssues(runtime, loaded, labImage, signal)));
  if (issues.length > 0) throw new ScenarioError(issues);
  return existing.flatMap((network) => network.subnets);
}

/**
 * Delay and jitter need the kernel's netem: on an engine without it, the lines that ask for
 * them are the issue (loss and rate have their fallback). Probed only when asked for.
 */
export async function netemIssues(runtime: Runtime, loaded: LoadedScenario, image: string, signal?: AbortSignal): Promise<ScenarioIssue[]> {
  const uses = netemOnlyUses(loaded.scenario);
  if (uses.length === 0) return [];
  const support = await netemSupport(runtime, image, signal);
  if (support.netem) return [];
  return uses.map((path) => ({
    file: loaded.file,
    ...loaded.source.position(path),
    path: path.join('.'),
    message: `${String(path.at(-1))} needs tc netem, which this engine's kernel lacks (${support.why}); remove it, or run on a kernel with netem (modprobe sch_netem on the engine's host). loss and rate work here without netem.`,
    layer: 'engine' as const,
  }));
}

/** An engine refusal while creating a lab, in words about the scenario: an image gone, a name in use. */
function explainCreateError(error: unknown, loaded: LoadedScenario, path: string[]): unknown {
  if (!(error instanceof EngineError)) return error;
  const at = (message: string): ScenarioError =>
    new ScenarioError([{ file: loaded.file, ...loaded.source.position(path), path: path.join('.'), message, layer: 'engine' }]);
  if (error instanceof NotFoundError && /image/i.test(error.engineMessage)) {
    return at(`the engine has no such image (${error.engineMessage}); build or load it first, or remove 'image:' to use socklab's lab image.`);
  }
  if (error instanceof ConflictError) {
    return at(`the engine already has an object of this name (${error.engineMessage}): another socklab is bringing up the same run? Try again.`);
  }
  return error;
}
