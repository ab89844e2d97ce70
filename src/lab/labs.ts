// The labs that are up on the engine, found from labels alone (never from a local file
// that could go stale): a lab survives the CLI that made it, and `status`, `exec`, `logs`,
// `capture` and `down` find it again from any terminal. Grouping and host selection are
// pure functions of what the engine lists, so they are unit-tested without Docker.
import type { ContainerInfo, NetworkInfo, Runtime } from '../runtime/runtime.js';
import { LABEL } from '../runtime/labels.js';
import { LAB_IMAGE_REPO, labImageRef } from '../image/lab-image.js';
import { Lab, type LabAccess, type LabHost } from './lab.js';
import { LabSelectionError } from './selection-error.js';
import type { HostProgram } from '../in-host/contract.js';
import { ownerState, ownerPid, type OwnerState } from './ownership.js';
import { parseAddressesLabel } from './plan.js';

/** A host of a lab as the engine lists it: what a handle needs, and its state and image. */
export interface LabHostInfo extends LabHost {
  /** The engine's state of the container: running, exited, created... */
  state: string;
  image: string;
}

export interface LabNetworkInfo {
  /** The network's name in the scenario. */
  name: string;
  /** The engine's name for it (sl-<lab>-<network>-<run>). */
  engineName: string;
  /** The lesson's subnet. */
  subnet: string;
  /** The engine's (transit) subnet of its bridge. */
  transitSubnet: string;
  bridge?: string;
}

export interface LabInfo {
  runId: string;
  /** The lab's name: its scenario's, or its own (`up --name`, `--copies`). */
  name: string;
  scenario: string;
  scenarioFile?: string;
  networks: LabNetworkInfo[];
  hosts: LabHostInfo[];
  /** Whether the socklab process that made it still runs. */
  owner: OwnerState;
  ownerPid?: number;
  /** Left up on purpose (`up`, `run --keep`). */
  kept: boolean;
  /** How many hosts it was made with, when known. */
  expectedHosts?: number;
}

/**
 * Groups socklab's containers and networks into labs by their run label. Helper containers
 * (rule setters, doctor's probe) carry a run label too but are not lab hosts. A run with
 * networks and no hosts is still listed: it is being created, or left over, and `down`
 * must be able to name it.
 */
export function labsFromEngine(containers: ContainerInfo[], networks: NetworkInfo[]): LabInfo[] {
  const labs = new Map<string, LabInfo>();
  const labOf = (labels: Record<string, string>): LabInfo | undefined => {
    const runId = labels[LABEL.run];
    const scenario = labels[LABEL.scenario];
    if (!runId || !scenario) return undefined;
    let lab = labs.get(runId);
    if (!lab) {
      const expected = Number(labels[LABEL.hosts]);
      lab = {
        runId,
        name: labels[LABEL.lab] ?? scenario,
        scenario,
        networks: [],
        hosts: [],
        owner: ownerState(labels),
        ownerPid: ownerPid(labels),
        kept: labels[LABEL.keep] === 'true',
        ...(Number.isInteger(expected) && expected > 0 ? { expectedHosts: expected } : {}),
      };
      labs.set(runId, lab);
    }
    lab.scenarioFile ??= labels[LABEL.scenarioFile];
    return lab;
  };

  const scenarioNetworkName = new Map<string, string>(); // engine name -> scenario name
  for (const network of networks) {
    const lab = labOf(network.labels);
    const name = network.labels[LABEL.network];
    if (!lab || !name) continue;
    scenarioNetworkName.set(network.name, name);
    const transitSubnet = network.subnets[0] ?? '';
    lab.networks.push({
      name,
      engineName: network.name,
      subnet: network.labels[LABEL.subnet] ?? transitSubnet,
      transitSubnet,
      bridge: network.labels[LABEL.bridge] ?? network.bridgeName,
    });
  }

  for (const container of containers) {
    // Only lab hosts carry a host label; helpers (rule setters, doctor's probe) do not. (The
    // helper label itself cannot tell: the lab image carries one, which containers inherit.)
    const host = container.labels[LABEL.host];
    const lab = labOf(container.labels);
    if (!lab || !host) continue;
    // The engine knows only the transit addresses; the lesson's are in the label.
    const ips =
      parseAddressesLabel(container.labels[LABEL.addresses]) ??
      Object.fromEntries(
        Object.entries(container.ips)
          .filter(([, ip]) => !!ip)
          .map(([engineName, ip]) => [scenarioNetworkName.get(engineName) ?? engineName, ip]),
      );
    const memory = Number(container.labels[LABEL.memory]);
    lab.hosts.push({
      name: host,
      role: container.labels[LABEL.role] === 'router' ? 'router' : 'host',
      container: container.name,
      state: container.state,
      image: container.image,
      ips,
      ...(memory > 0 ? { memoryBytes: memory } : {}),
    });
  }

  for (const lab of labs.values()) {
    lab.hosts.sort((a, b) => a.name.localeCompare(b.name));
    lab.networks.sort((a, b) => a.name.localeCompare(b.name));
  }
  return [...labs.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.runId.localeCompare(b.runId));
}

export async function listLabs(runtime: Runtime, signal?: AbortSignal): Promise<LabInfo[]> {
  const [containers, networks] = await Promise.all([runtime.listContainers([LABEL.run], { signal }), runtime.listNetworks({ signal })]);
  return labsFromEngine(
    containers,
    networks.filter((network) => LABEL.run in network.labels),
  );
}

export interface HostSelector {
  /** Lab name, scenario name or run id; absent when the host name alone is meant to be enough. */
  lab?: string;
  host: string;
}

/** A lab's or host's name: letters, digits, '-' and '_', starting with a letter. */
export const LAB_NAME = /^[a-z][a-z0-9_-]{0,40}$/i;
const RUN_ID = /^[0-9a-f]{6}$/;

/** `HOST` or `LAB/HOST`, where LAB is a lab name, a scenario name or a run id. */
export function parseHostSelector(text: string): HostSelector {
  const parts = text.split('/');
  const usage = `write the host as HOST, or LAB/HOST when several labs are up (LAB is the lab's name or its run id)`;
  if (parts.length > 2) throw new LabSelectionError(`'${text}' is not a host: ${usage}.`);
  const [first = '', second] = parts;
  const host = second ?? first;
  const lab = second === undefined ? undefined : first;
  if (lab !== undefined && !LAB_NAME.test(lab) && !RUN_ID.test(lab)) {
    throw new LabSelectionError(`'${lab}' is not a lab name: ${usage}.`);
  }
  if (!LAB_NAME.test(host)) throw new LabSelectionError(`'${host}' is not a host name: ${usage}.`);
  return lab === undefined ? { host } : { lab, host };
}

const labTitle = (lab: LabInfo) => (lab.name === lab.scenario ? `${lab.name} (run ${lab.runId})` : `${lab.name} (${lab.scenario}, run ${lab.runId})`);
const listOf = (items: string[]) => items.join(', ');

function noLabUp(name?: string): LabSelectionError {
  const what = name === undefined ? 'no lab is up' : `no lab '${name}' is up (no lab is up at all)`;
  return new LabSelectionError(`${what}. Start one with: socklab up SCENARIO.yaml`);
}

/**
 * The labs a name designates: the lab of that name, else the run of that id, else the runs
 * of that scenario (copies are named after it, so `nat-pat` finds the copies nat-pat-1...
 * only through their own names).
 */
function labsMatching(labs: LabInfo[], name: string): LabInfo[] {
  for (const matches of [(lab: LabInfo) => lab.name === name, (lab: LabInfo) => lab.runId === name, (lab: LabInfo) => lab.scenario === name]) {
    const found = labs.filter(matches);
    if (found.length > 0) return found;
  }
  return [];
}

/** The labs a name (lab, run id or scenario) designates; every lab when no name is given. */
function labsNamed(labs: LabInfo[], name: string | undefined): LabInfo[] {
  if (labs.length === 0) throw noLabUp(name);
  if (name === undefined) return labs;
  const found = labsMatching(labs, name);
  if (found.length === 0) {
    throw new LabSelectionError(`no lab '${name}' is up. Labs up: ${listOf(labs.map(labTitle))}.`);
  }
  if (found.length > 1) {
    throw new LabSelectionError(`several labs answer to '${name}': ${listOf(found.map(labTitle))}. Name one by its run id (e.g. ${found[0]!.runId}).`);
  }
  return found;
}

/** Whether `pattern` has glob characters: `*` (any text) and `?` (one character). */
export const isGlob = (pattern: string) => /[*?]/.test(pattern);

function globRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The labs several names or globs designate (`down a b 'class-*'`): a glob matches lab
 * names, a plain name designates as everywhere else (and all runs of a scenario it names).
 * A name or glob that matches nothing is an error naming what is up.
 */
export function selectLabs(labs: LabInfo[], patterns: readonly string[]): LabInfo[] {
  const chosen = new Map<string, LabInfo>();
  for (const pattern of patterns) {
    const found = isGlob(pattern) ? labs.filter((lab) => globRegex(pattern).test(lab.name)) : labsMatching(labs, pattern);
    if (found.length === 0) {
      throw labs.length === 0 ? noLabUp(pattern) : new LabSelectionError(`no lab '${pattern}' is up. Labs up: ${listOf(labs.map(labTitle))}.`);
    }
    for (const lab of found) chosen.set(lab.runId, lab);
  }
  return [...chosen.values()];
}

/** The one lab meant by `name`, or the only lab up when no name is given. */
export function selectLab(labs: LabInfo[], name?: string): LabInfo {
  const candidates = labsNamed(labs, name);
  if (candidates.length > 1) {
    throw new LabSelectionError(`${candidates.length} labs are up: ${listOf(candidates.map(labTitle))}. Say which one.`);
  }
  return candidates[0]!;
}

export function selectHost(labs: LabInfo[], selector: HostSelector): { lab: LabInfo; host: LabHostInfo } {
  const candidates = labsNamed(labs, selector.lab);
  const matches = candidates.flatMap((lab) => lab.hosts.filter((host) => host.name === selector.host).map((host) => ({ lab, host })));
  if (matches.length === 1) return matches[0]!;
  const qualified = (lab: LabInfo, host: string) => (labs.length > 1 ? `${uniqueLabName(labs, lab)}/${host}` : host);
  if (matches.length === 0) {
    const hosts = candidates.flatMap((lab) => lab.hosts.map((host) => qualified(lab, host.name)));
    const where = selector.lab ? `lab '${selector.lab}'` : candidates.length > 1 ? 'any lab that is up' : `lab '${candidates[0]!.name}'`;
    throw new LabSelectionError(`no host '${selector.host}' in ${where}. Hosts: ${hosts.length ? listOf(hosts) : 'none'}.`);
  }
  const choices = matches.map(({ lab }) => `${uniqueLabName(labs, lab)}/${selector.host}`);
  throw new LabSelectionError(`host '${selector.host}' is in ${matches.length} labs; say which: ${listOf(choices)}.`);
}

/** The lab's name when it designates this lab alone, else its run id. */
export function uniqueLabName(labs: LabInfo[], lab: LabInfo): string {
  return labsMatching(labs, lab.name).length > 1 ? lab.runId : lab.name;
}

/** Fails with what to do when a host's container is not running (exec would fail obscurely). */
export function requireRunning(lab: LabInfo, host: LabHostInfo): void {
  if (host.state !== 'running') {
    throw new LabSelectionError(
      `host '${host.name}' of lab '${lab.name}' is ${host.state}, not running. ` +
        `Bring the lab up again: socklab up --replace ${lab.scenarioFile ?? `${lab.scenario}.yaml`}`,
    );
  }
}

/**
 * The lab image to run teardown helpers with: the current one if present, else the image
 * the lab's hosts were made from (the recipe may have changed since `up`).
 */
export async function imageForLab(runtime: Runtime, lab?: LabInfo): Promise<string> {
  const candidates = [labImageRef(), ...new Set((lab?.hosts ?? []).map((host) => host.image).filter((image) => image.startsWith(`${LAB_IMAGE_REPO}:`)))];
  for (const image of candidates) {
    if (await runtime.findImage(image)) return image;
  }
  return candidates[0]!;
}

export interface HostStatus extends LabHostInfo {
  programs: HostProgram[];
}

export interface LabStatus extends Omit<LabInfo, 'hosts'> {
  hosts: HostStatus[];
}

/**
 * A lab this process has just brought up: its own handle (whose hosts' agents are open), and
 * the hosts it started programs in; the others have none to list.
 */
export interface JustMade {
  lab: LabAccess;
  hostsWithPrograms: ReadonlySet<string>;
}

/**
 * Each lab with the programs in each running host: one bounded command per host, all at
 * once. Labs in `justMade` (by run id) are asked through their own handle, and only in the
 * hosts where programs were started: thirty copies just up cost no extra command in their
 * routers.
 */
export async function labStatus(runtime: Runtime, labs: LabInfo[], signal?: AbortSignal, justMade?: ReadonlyMap<string, JustMade>): Promise<LabStatus[]> {
  return Promise.all(
    labs.map(async (lab) => {
      const made = justMade?.get(lab.runId);
      const handle = made?.lab ?? Lab.attach(runtime, lab, '');
      const asked = (host: string) => !made || made.hostsWithPrograms.has(host);
      return {
        ...lab,
        hosts: await Promise.all(
          lab.hosts.map(async (host) => ({
            ...host,
            // A host that stopped, or went away since the listing, simply shows no programs.
            programs:
              host.state === 'running' && asked(host.name)
                ? await handle
                    .inHost(host.name)
                    .list(signal)
                    .catch(() => [])
                : [],
          })),
        ),
      };
    }),
  );
}
