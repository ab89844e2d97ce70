// Cross-field rules of a scenario that a schema cannot express: addresses against subnets,
// names referenced across sections, routers and NAT, files on disk; the steps' rules are in
// step-rules.ts. Each rule is a small function adding problems; all are reported together.
import { posix } from 'node:path';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';
import { broadcastAddress, contains, hasHostBits, networkAddress, overlaps, parseSubnet, subnetText } from '../util/ipv4.js';
import { WRITABLE_FOLDERS, writableFolderOf } from './host-defaults.js';
import type { PathSegment } from './issues.js';
import { findLocalFile, localFileProblem } from './local-files.js';
import { hostAt, routerAddresses, type Scenario } from './model.js';
import type { ImpairmentValue } from './schema.js';
import { checkSteps, didYouMean, known, type Report } from './step-rules.js';
import { TRANSIT_POOL } from './transit-pool.js';

export interface RuleProblem {
  path: PathSegment[];
  message: string;
  /** Report at the key that names the value (e.g. a host's name) rather than at the value. */
  atKey?: boolean;
}

export function checkRules(scenario: Scenario, scenarioDir: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report: Report = (path, message, atKey) => problems.push({ path, message, atKey });
  checkNetworks(scenario, report);
  checkHostAddresses(scenario, report);
  checkRouting(scenario, report);
  checkNat(scenario, report);
  checkImpairments(scenario, report);
  checkFiles(scenario, scenarioDir, report);
  checkSteps(scenario, report);
  return problems;
}

function checkNetworks(scenario: Scenario, report: Report) {
  const names = Object.keys(scenario.networks);
  names.forEach((name, index) => {
    const network = scenario.networks[name]!;
    const path = ['networks', name, 'subnet'];
    if (hasHostBits(network.subnet)) {
      report(path, `${network.subnet} has host bits set; write the network address: ${subnetText(parseSubnet(network.subnet))}.`);
    }
    if (parseSubnet(network.subnet).prefix > 30) {
      report(path, `/${parseSubnet(network.subnet).prefix} has no room for two hosts; use /30 or larger (e.g. /24).`);
    }
    if (overlaps(network.subnet, TRANSIT_POOL)) {
      report(
        path,
        `${network.subnet} overlaps ${TRANSIT_POOL}, the range socklab gives the engine's side of lab bridges; choose another range (e.g. 10.0.0.0/24 or 192.168.0.0/24).`,
      );
    }
    for (const other of names.slice(0, index)) {
      const otherSubnet = scenario.networks[other]!.subnet;
      if (overlaps(network.subnet, otherSubnet)) {
        report(path, `subnet ${network.subnet} overlaps network '${other}' (${otherSubnet}); give each network its own range.`);
      }
    }
  });
}

function checkImpairments(scenario: Scenario, report: Report) {
  const check = (value: ImpairmentValue | undefined, at: PathSegment[]) => {
    if (value?.jitter !== undefined && value.delay === undefined) {
      report([...at, 'jitter'], `jitter varies a delay, and there is none here; add 'delay' (e.g. delay: 50ms, jitter: 10ms).`);
    }
  };
  for (const [name, network] of Object.entries(scenario.networks)) check(network.impair, ['networks', name, 'impair']);
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    for (const [network, value] of Object.entries(spec.impair ?? {})) {
      const at = ['hosts', host, 'impair', network];
      if (!(network in spec.networks)) {
        report(at, `'${host}' is not on network '${network}' (it is on: ${Object.keys(spec.networks).join(', ')}); impair one of its own networks.`, true);
        continue;
      }
      // The network's delay with the host's jitter is fine: the host's keys lie over the network's.
      check({ ...scenario.networks[network]?.impair, ...value }, at);
    }
  }
}

function checkHostAddresses(scenario: Scenario, report: Report) {
  const owners = new Map<string, string>(); // "network/ip" -> host
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    for (const [network, ip] of Object.entries(spec.networks)) {
      const path = ['hosts', host, 'networks', network];
      const net = scenario.networks[network];
      if (!net) {
        report(
          path,
          `unknown network '${network}'${didYouMean(network, Object.keys(scenario.networks))}; declare it under 'networks' (declared: ${known(scenario.networks)}).`,
          true,
        );
        continue;
      }
      if (!contains(net.subnet, ip)) {
        report(path, `${ip} is outside network '${network}' (${net.subnet}); pick an address inside the subnet.`);
        continue;
      }
      if (ip === networkAddress(net.subnet)) {
        report(path, `${ip} is the network address of ${net.subnet}; hosts cannot use it.`);
      } else if (ip === broadcastAddress(net.subnet)) {
        report(path, `${ip} is the broadcast address of ${net.subnet}; hosts cannot use it.`);
      }
      const key = `${network}/${ip}`;
      const owner = owners.get(key);
      if (owner) report(path, `${ip} is already used by host '${owner}' on network '${network}'; each host needs its own address.`);
      else owners.set(key, host);
    }
  }
}

function checkRouting(scenario: Scenario, report: Report) {
  const routers = routerAddresses(scenario);
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    const ownSubnets = Object.keys(spec.networks)
      .map((network) => scenario.networks[network]?.subnet)
      .filter((s): s is string => !!s);
    const onLink = (ip: string) => ownSubnets.some((subnet) => contains(subnet, ip));
    if (spec.role === 'router' && Object.keys(spec.networks).length < 2) {
      report(
        ['hosts', host, 'role'],
        `router '${host}' is on one network only (${Object.keys(spec.networks).join(', ')}); a router forwards between networks: add it to a second network, or remove 'role: router'.`,
      );
    }
    const checkNextHop = (path: PathSegment[], via: string) => {
      if (!onLink(via)) {
        report(path, `next hop ${via} is not on any network of '${host}' (${ownSubnets.join(', ')}); use the address of a router on one of them.`);
      } else if (!routers.has(via)) {
        const owner = hostAt(scenario, via);
        report(
          path,
          owner
            ? `next hop ${via} is host '${owner}', which is not a router and will not forward; give '${owner}' 'role: router', or point at a router's address.`
            : `next hop ${via} is the address of no host; point at a router's address.`,
        );
      }
    };
    if (spec.default_route) checkNextHop(['hosts', host, 'default_route'], spec.default_route);
    spec.routes?.forEach((route, index) => checkNextHop(['hosts', host, 'routes', index, 'via'], route.via));
  }
}

function checkNat(scenario: Scenario, report: Report) {
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    spec.nat?.forEach((rule, index) => {
      const path: PathSegment[] = ['hosts', host, 'nat', index];
      if (spec.role !== 'router') {
        report(path, `NAT rules only go on routers; add 'role: router' to '${host}' or move the rule.`);
        return;
      }
      if ('masquerade' in rule) {
        if (!(rule.masquerade.out in spec.networks)) {
          report(
            [...path, 'masquerade', 'out'],
            `'${rule.masquerade.out}' is not a network of router '${host}' (it has: ${Object.keys(spec.networks).join(', ')}).`,
          );
        }
        const behaviour = rule.masquerade.behaviour ?? 'port-preserving';
        if (rule.masquerade.full_cone && behaviour !== 'port-preserving') {
          report(
            [...path, 'masquerade', 'full_cone'],
            `a full cone keeps one public port per host port for everyone, and '${behaviour}' picks a new one per destination; use full_cone with behaviour: port-preserving, or drop it.`,
          );
        }
        return;
      }
      const forward = rule.port_forward;
      if (!(forward.network in spec.networks)) {
        report(
          [...path, 'port_forward', 'network'],
          `'${forward.network}' is not a network of router '${host}' (it has: ${Object.keys(spec.networks).join(', ')}).`,
        );
      }
      // The schema has checked the address and the port's range.
      const [targetIp = ''] = forward.to.split(':');
      const targetOnLink = Object.keys(spec.networks).some(
        (network) => network !== forward.network && scenario.networks[network] && contains(scenario.networks[network]!.subnet, targetIp),
      );
      if (!targetOnLink) {
        report(
          [...path, 'port_forward', 'to'],
          `target ${targetIp} is not on another network of router '${host}'; forward to a host the router reaches directly.`,
        );
      } else if (!hostAt(scenario, targetIp)) {
        // Forwarding to an address nobody has would only show up as a timeout at run time.
        report([...path, 'port_forward', 'to'], `target ${targetIp} is the address of no host; forward to one of the hosts' addresses.`);
      }
    });
  }
}

/** A file copied into a host is data a person chose; beyond this it is a mistake or an attack on the host's memory. */
export const MAX_HOST_FILE_BYTES = 64 * 1024 * 1024;

function checkFiles(scenario: Scenario, scenarioDir: string, report: Report) {
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    spec.files?.forEach((file, index) => {
      const from = typeof file === 'string' ? file : file.from;
      const path: PathSegment[] = typeof file === 'string' ? ['hosts', host, 'files', index] : ['hosts', host, 'files', index, 'from'];
      const found = findLocalFile(from, scenarioDir, { roots: [scenarioDir, BUNDLED_PROGRAMS_DIR], maxBytes: MAX_HOST_FILE_BYTES });
      if (found.kind !== 'found') report(path, localFileProblem('file', from, found, MAX_HOST_FILE_BYTES));
      if (typeof file !== 'string') {
        const to = posix.normalize(file.to);
        if (!writableFolderOf(to)) {
          report(
            ['hosts', host, 'files', index, 'to'],
            `'${file.to}' is not in a folder a lab host can write (the rest of its filesystem is read-only); put it under one of ${WRITABLE_FOLDERS.join(', ')}.`,
          );
        }
      }
    });
  }
}
