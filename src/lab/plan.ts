// Turns a validated scenario into the engine objects to create: names, bridges, labels,
// limits and the commands that configure each host. What the engine addresses the bridges
// with (transit subnets) is only known at bring-up; lab/addressing.ts adds it. Pure: no
// engine calls, so the naming and setup rules are unit-tested without Docker.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { ContainerSpec, Labels, NetworkSpec } from '../runtime/runtime.js';
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import { FILES_DIR_IN_HOST, installInHostToolsScript } from '../in-host/contract.js';
import type { Scenario } from '../scenario/model.js';
import { WORKING_FOLDER, WRITABLE_FOLDERS, hostLimits, type HostLimits } from '../scenario/host-defaults.js';
import type { HostValue } from '../scenario/schema.js';
import { currentOwner, ownerText } from './ownership.js';
import { hostImpairments, lossyNetworks } from '../scenario/impairments.js';
import { impairmentScript, wirePacketsScript } from './impairments.js';
import { masqueradeScript } from './nat.js';

export interface PlannedHost {
  name: string;
  container: string;
  role: 'host' | 'router';
  /** Network name -> the lesson's address. */
  ips: Record<string, string>;
  limits: HostLimits;
  /** The container, but for its network attachments (their transit addresses come at bring-up). */
  spec: Omit<ContainerSpec, 'networks'>;
  /** Shell script run once after start: the launcher, routes and NAT. */
  setupScript: string;
  /** The scenario's `files`, copied in at start: path as written (relative to the scenario) -> path in the host. */
  files: { name: string; pathInHost: string }[];
}

export interface PlannedNetwork {
  name: string;
  /** The lesson's subnet: what the hosts see. */
  subnet: string;
  /** The hosts on it, in plan order: each one's transit address follows from its place here. */
  members: string[];
  /** The engine's network, but for its (transit) subnet and gateway. */
  spec: Omit<NetworkSpec, 'subnet' | 'gateway'>;
}

export interface LabPlan {
  runId: string;
  scenario: string;
  /** The lab's name: the scenario's, or the one given to `up --name`. */
  labName: string;
  /** The scenario's folder: where `files` are read from. */
  scenarioDir: string;
  networks: PlannedNetwork[];
  hosts: PlannedHost[];
  /** Every lab bridge: each gets rules on the engine's host (lab/host-rules.ts). */
  bridges: string[];
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

const MAX_BRIDGE_NAME = 15; // Linux interface name limit

/**
 * `sl-<run>-<index><name>`, cut to 15 characters. The network's index makes the name unique
 * within the run whatever the names (network names start with a letter, so the index
 * cannot run into the name); the run id makes it unique on the engine.
 */
export function bridgeNames(runId: string, networks: string[]): Map<string, string> {
  return new Map(networks.map((network, index) => [network, `${BRIDGE_PREFIX}${runId}-${index}${network}`.slice(0, MAX_BRIDGE_NAME)]));
}

export interface RunLabelOptions {
  /** The lab's name when it is not the scenario's. */
  labName?: string;
  scenarioFile?: string;
  /** A lab left up on purpose (`up`, `run --keep`). */
  keep?: boolean;
  hosts?: number;
}

export function runLabels(runId: string, scenario: string, options: RunLabelOptions = {}): Labels {
  return {
    [LABEL.run]: runId,
    [LABEL.scenario]: scenario,
    [LABEL.lab]: options.labName ?? scenario,
    [LABEL.owner]: ownerText(currentOwner()),
    ...(options.scenarioFile ? { [LABEL.scenarioFile]: options.scenarioFile } : {}),
    ...(options.keep ? { [LABEL.keep]: 'true' } : {}),
    ...(options.hosts !== undefined ? { [LABEL.hosts]: String(options.hosts) } : {}),
  };
}

export interface PlanOptions {
  runId: string;
  image: string;
  /** The lab's name (default: the scenario's): copies of one scenario each have their own. */
  labName?: string;
  scenarioFile?: string;
  scenarioDir?: string;
  keep?: boolean;
}

/** `lan=192.168.0.10,wan=203.0.113.1`: a host's lesson addresses, as its label keeps them. */
export const addressesLabel = (ips: Record<string, string>) =>
  Object.entries(ips)
    .map(([network, ip]) => `${network}=${ip}`)
    .join(',');

export function parseAddressesLabel(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  return Object.fromEntries(text.split(',').map((pair) => pair.split('=', 2) as [string, string]));
}

export function planLab(scenario: Scenario, options: PlanOptions): LabPlan {
  const { runId } = options;
  const labName = options.labName ?? scenario.name;
  const base = runLabels(runId, scenario.name, {
    labName,
    scenarioFile: options.scenarioFile,
    keep: options.keep,
    hosts: Object.keys(scenario.hosts).length,
  });
  const bridges = bridgeNames(runId, Object.keys(scenario.networks));
  const networkName = (network: string) => `sl-${labName}-${network}-${runId}`;

  const networks: PlannedNetwork[] = Object.entries(scenario.networks).map(([name, network]) => ({
    name,
    subnet: network.subnet,
    members: Object.entries(scenario.hosts)
      .filter(([, host]) => name in host.networks)
      .map(([host]) => host),
    spec: {
      name: networkName(name),
      bridgeName: bridges.get(name)!,
      labels: { ...base, [LABEL.network]: name, [LABEL.bridge]: bridges.get(name)!, [LABEL.subnet]: network.subnet },
    },
  }));

  const hosts: PlannedHost[] = Object.entries(scenario.hosts).map(([name, host]) => {
    const container = `sl-${labName}-${name}-${runId}`;
    const limits = hostLimits(host);
    return {
      name,
      container,
      role: host.role,
      ips: { ...host.networks },
      limits,
      setupScript: hostSetupScript(host, hostImpairments(scenario, name), lossyNetworks(scenario)),
      files: (host.files ?? []).map((file) =>
        typeof file === 'string' ? { name: file, pathInHost: `${FILES_DIR_IN_HOST}/${basename(file)}` } : { name: file.from, pathInHost: file.to },
      ),
      spec: {
        name: container,
        hostname: name,
        image: host.image ?? scenario.image ?? options.image,
        labels: {
          ...base,
          [LABEL.host]: name,
          [LABEL.role]: host.role,
          [LABEL.memory]: String(limits.memoryBytes),
          [LABEL.addresses]: addressesLabel(host.networks),
        },
        env: Object.fromEntries(Object.entries(host.env ?? {}).map(([key, value]) => [key, String(value)])),
        // NET_ADMIN (not privileged mode) is enough for routes, iptables and tc at setup;
        // programs on hosts that are not routers run without it (in-host/contract.ts).
        capAdd: ['NET_ADMIN'],
        sysctls: {
          // ping through ICMP datagram sockets, for programs that have no raw sockets.
          'net.ipv4.ping_group_range': '0 2147483647',
          ...(host.role === 'router' ? { 'net.ipv4.ip_forward': '1' } : {}),
        },
        // The host sets itself up as it starts, from a script on its standard input
        // (Lab.up), then sleeps: programs and views are run into it.
        command: ['sh', '-s'],
        scriptOnStdin: true,
        limits,
        // A disk filler fills the host's memory (and meets its limit), not the engine's disk.
        readOnlyRoot: true,
        scratch: Object.fromEntries(WRITABLE_FOLDERS.map((folder) => [folder, Math.floor(limits.memoryBytes / 2)])),
        workdir: WORKING_FOLDER,
      },
    };
  });

  return {
    runId,
    scenario: scenario.name,
    labName,
    scenarioDir: options.scenarioDir ?? process.cwd(),
    networks,
    hosts,
    bridges: networks.map((network) => network.spec.bridgeName),
  };
}

/** Shell snippet that prints the interface holding `ip` (eth0, eth1...). */
const interfaceOf = (ip: string) => `$(ip -o -4 addr show to ${ip} | awk '{print $2}' | cut -d@ -f1)`;

/**
 * The launcher, routes and NAT for one host. Docker gives every container a default route
 * via the bridge's gateway address, which leads nowhere in a lab (the bridge has no
 * address): replace it with the scenario's default route, or remove it so no route leaves
 * the lab.
 */
export function hostSetupScript(host: HostValue, impairments: ReturnType<typeof hostImpairments> = [], lossy: ReadonlySet<string> = new Set()): string {
  return ['set -e', installInHostToolsScript(), ...hostNetworkSetup(host, impairments, lossy)].join('\n');
}

/** A host's routes, NAT rules and impairments as shell lines (also what a Compose export runs). */
export function hostNetworkSetup(host: HostValue, impairments: ReturnType<typeof hostImpairments> = [], lossy: ReadonlySet<string> = new Set()): string[] {
  const lines: string[] = [];
  for (const [network, ip] of Object.entries(host.networks)) if (lossy.has(network)) lines.push(wirePacketsScript(interfaceOf(ip)));
  lines.push(host.default_route ? `ip route replace default via ${host.default_route}` : 'ip route del default 2>/dev/null || true');
  for (const route of host.routes ?? []) lines.push(`ip route replace ${route.to} via ${route.via}`);
  for (const rule of host.nat ?? []) {
    if ('masquerade' in rule) {
      const outIp = host.networks[rule.masquerade.out]!;
      lines.push(...masqueradeScript(rule.masquerade, outIp, interfaceOf(outIp)));
    } else {
      const forward = rule.port_forward;
      const publicIp = host.networks[forward.network]!;
      lines.push(`iptables -t nat -A PREROUTING -d ${publicIp} -p ${forward.protocol} --dport ${forward.port} -j DNAT --to-destination ${forward.to}`);
    }
  }
  for (const { ip, impairment } of impairments) lines.push(...impairmentScript(interfaceOf(ip), impairment));
  return lines;
}
