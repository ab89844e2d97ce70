// Turns a validated scenario into the exact engine objects to create: names, bridges,
// addresses, labels and the commands that configure each host. Pure: no engine calls, so
// the naming and setup rules are unit-tested without Docker.
import { randomBytes } from 'node:crypto';
import type { ContainerSpec, Labels, NetworkSpec } from '../runtime/runtime.js';
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import { gatewayOf } from '../scenario/rules.js';
import type { HostValue, ScenarioValue } from '../scenario/schema.js';
import { LAUNCHER_IN_HOST, LAUNCHER_SCRIPT, RUN_DIR_IN_HOST } from './host-process.js';
import { basename, dirname, resolve } from 'node:path';

/** Where a host's `files` land when the scenario names no destination. */
export const FILES_DIR_IN_HOST = '/lab/files';

export interface PlannedHost {
  name: string;
  container: string;
  role: 'host' | 'router';
  /** Network name -> address. */
  ips: Record<string, string>;
  spec: ContainerSpec;
  /** Shell script run once after start: routes and NAT. Empty when nothing to do. */
  setupScript: string;
  /** The scenario's `files`, copied in at start: absolute source -> path in the host. */
  files: { source: string; pathInHost: string }[];
}

export interface PlannedNetwork {
  name: string;
  spec: NetworkSpec;
}

export interface LabPlan {
  runId: string;
  scenario: string;
  networks: PlannedNetwork[];
  hosts: PlannedHost[];
  /** Bridges that carry routed traffic and need an ACCEPT rule in DOCKER-USER. */
  routedBridges: string[];
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

const MAX_BRIDGE_NAME = 15; // Linux interface name limit

export function bridgeNames(runId: string, networks: string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  networks.forEach((network, index) => {
    let bridge = `${BRIDGE_PREFIX}${runId}-${network}`;
    if (bridge.length > MAX_BRIDGE_NAME || used.has(bridge)) bridge = `${BRIDGE_PREFIX}${runId}-n${index}`;
    used.add(bridge);
    names.set(network, bridge);
  });
  return names;
}

export function runLabels(runId: string, scenario: string, scenarioFile?: string): Labels {
  return {
    [LABEL.run]: runId,
    [LABEL.scenario]: scenario,
    ...(scenarioFile ? { [LABEL.scenarioFile]: scenarioFile } : {}),
  };
}

export function planLab(
  scenario: ScenarioValue,
  options: { runId: string; image: string; scenarioFile?: string },
): LabPlan {
  // `files` are relative to the scenario's folder (rules.ts keeps them inside it).
  const scenarioDir = options.scenarioFile ? dirname(options.scenarioFile) : process.cwd();
  const { runId } = options;
  const base = runLabels(runId, scenario.name, options.scenarioFile);
  const bridges = bridgeNames(runId, Object.keys(scenario.networks));
  const networkName = (network: string) => `sl-${scenario.name}-${network}-${runId}`;

  const networks: PlannedNetwork[] = Object.entries(scenario.networks).map(([name, network]) => ({
    name,
    spec: {
      name: networkName(name),
      bridgeName: bridges.get(name)!,
      subnet: network.subnet,
      gateway: gatewayOf(scenario, name),
      labels: { ...base, [LABEL.network]: name, [LABEL.bridge]: bridges.get(name)! },
    },
  }));

  const hosts: PlannedHost[] = Object.entries(scenario.hosts).map(([name, host]) => {
    const container = `sl-${scenario.name}-${name}-${runId}`;
    return {
      name,
      container,
      role: host.role,
      ips: { ...host.networks },
      setupScript: hostSetupScript(scenario, host),
      files: (host.files ?? []).map((file) =>
        typeof file === 'string'
          ? { source: resolve(scenarioDir, file), pathInHost: `${FILES_DIR_IN_HOST}/${basename(file)}` }
          : { source: resolve(scenarioDir, file.from), pathInHost: file.to },
      ),
      spec: {
        name: container,
        hostname: name,
        image: host.image ?? scenario.image ?? options.image,
        labels: { ...base, [LABEL.host]: name, [LABEL.role]: host.role },
        networks: Object.entries(host.networks).map(([network, ip]) => ({ network: networkName(network), ip })),
        env: Object.fromEntries(Object.entries(host.env ?? {}).map(([key, value]) => [key, String(value)])),
        // NET_ADMIN (not privileged mode) is enough for routes, iptables and tc in the host.
        capAdd: ['NET_ADMIN'],
        sysctls: (host.role === 'router' ? { 'net.ipv4.ip_forward': '1' } : {}) as Record<string, string>,
        command: ['sleep', 'infinity'],
      },
    };
  });

  const routed = Object.values(scenario.hosts).some((host) => host.role === 'router');
  return {
    runId,
    scenario: scenario.name,
    networks,
    hosts,
    routedBridges: routed ? networks.map((network) => network.spec.bridgeName) : [],
  };
}

/** Shell snippet that prints the interface holding `ip` (eth0, eth1...). */
const interfaceOf = (ip: string) => `$(ip -o -4 addr show to ${ip} | awk '{print $2}' | cut -d@ -f1)`;

/**
 * Routes and NAT for one host. Docker gives every container a default route via the
 * bridge's gateway address, which leads nowhere in a lab (the bridge has no address):
 * replace it with the scenario's default route, or remove it so no route leaves the lab.
 */
export function hostSetupScript(scenario: ScenarioValue, host: HostValue): string {
  const lines: string[] = [
    `mkdir -p ${dirname(LAUNCHER_IN_HOST)} ${RUN_DIR_IN_HOST}`,
    `cat > ${LAUNCHER_IN_HOST} <<'SOCKLAB_LAUNCHER'\n${LAUNCHER_SCRIPT}SOCKLAB_LAUNCHER`,
    `chmod +x ${LAUNCHER_IN_HOST}`,
  ];
  lines.push(host.default_route ? `ip route replace default via ${host.default_route}` : 'ip route del default 2>/dev/null || true');
  for (const route of host.routes ?? []) lines.push(`ip route replace ${route.to} via ${route.via}`);
  for (const rule of host.nat ?? []) {
    if ('masquerade' in rule) {
      const outIp = host.networks[rule.masquerade.out]!;
      const source = rule.masquerade.source ? ` -s ${rule.masquerade.source}` : '';
      lines.push(`iptables -t nat -A POSTROUTING -o ${interfaceOf(outIp)}${source} -j MASQUERADE`);
    } else {
      const forward = rule.port_forward;
      const publicIp = host.networks[forward.network]!;
      lines.push(
        `iptables -t nat -A PREROUTING -d ${publicIp} -p ${forward.protocol} --dport ${forward.port} -j DNAT --to-destination ${forward.to}`,
      );
    }
  }
  return ['set -e', ...lines].join('\n');
}
