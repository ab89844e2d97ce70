// Cross-field rules of a scenario that a schema cannot express: addresses against subnets,
// names referenced across sections, routers and NAT, program files on disk. Each rule is a
// small function adding problems; all problems are reported together.
import { extname, posix } from 'node:path';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';
import { WRITABLE_FOLDERS, writableFolderOf } from './host-defaults.js';
import { dottedPath, type PathSegment } from './issues.js';
import { findLocalFile, localFileProblem } from './local-files.js';
import { MAX_PROGRAM_BYTES, PROGRAM_EXTENSIONS, resolveProgramPath } from './program-path.js';
import { closest } from './schema-messages.js';
import { stepKind, type ExpectationValue, type RunStepValue, type ScenarioValue, type StartStepValue, type StepValue } from './schema.js';
import {
  broadcastAddress,
  contains,
  hasHostBits,
  lastUsableAddress,
  networkAddress,
  overlaps,
  parseSubnet,
  subnetText,
} from '../util/ipv4.js';

export interface RuleProblem {
  path: PathSegment[];
  message: string;
  /** Report at the key that names the value (e.g. a host's name) rather than at the value. */
  atKey?: boolean;
}

type Report = (path: PathSegment[], message: string, atKey?: boolean) => void;

export function checkRules(scenario: ScenarioValue, scenarioDir: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report: Report = (path, message, atKey) => problems.push({ path, message, atKey });
  checkNetworks(scenario, report);
  checkHostAddresses(scenario, report);
  checkRouting(scenario, report);
  checkNat(scenario, report);
  checkFiles(scenario, scenarioDir, report);
  checkSteps(scenario, scenarioDir, report);
  return problems;
}

/** The address Docker reserves for the bridge on each network. */
export function gatewayOf(scenario: ScenarioValue, network: string): string {
  const spec = scenario.networks[network]!;
  return spec.gateway ?? lastUsableAddress(spec.subnet);
}

function checkNetworks(scenario: ScenarioValue, report: Report) {
  const names = Object.keys(scenario.networks);
  names.forEach((name, index) => {
    const network = scenario.networks[name]!;
    const path = ['networks', name, 'subnet'];
    if (hasHostBits(network.subnet)) {
      report(path, `${network.subnet} has host bits set; write the network address: ${subnetText(parseSubnet(network.subnet))}.`);
    }
    if (parseSubnet(network.subnet).prefix > 29) {
      report(path, `/${parseSubnet(network.subnet).prefix} is too small for a lab network; use /29 or larger (e.g. /24).`);
    }
    if (network.gateway && !contains(network.subnet, network.gateway)) {
      report(['networks', name, 'gateway'], `gateway ${network.gateway} is outside the subnet ${network.subnet}; pick an address inside it.`);
    }
    for (const other of names.slice(0, index)) {
      const otherSubnet = scenario.networks[other]!.subnet;
      if (overlaps(network.subnet, otherSubnet)) {
        report(path, `subnet ${network.subnet} overlaps network '${other}' (${otherSubnet}); give each network its own range.`);
      }
    }
  });
}

function checkHostAddresses(scenario: ScenarioValue, report: Report) {
  const owners = new Map<string, string>(); // "network/ip" -> host
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    for (const [network, ip] of Object.entries(spec.networks)) {
      const path = ['hosts', host, 'networks', network];
      const net = scenario.networks[network];
      if (!net) {
        report(path, `unknown network '${network}'${didYouMean(network, Object.keys(scenario.networks))}; declare it under 'networks' (declared: ${known(scenario.networks)}).`, true);
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
      } else if (ip === gatewayOf(scenario, network)) {
        report(
          path,
          net.gateway
            ? `${ip} is the gateway of network '${network}' (networks.${network}.gateway), reserved for the engine's bridge; give this host another address.`
            : `${ip} is reserved for the engine's bridge on network '${network}' (the gateway is the last usable address unless networks.${network}.gateway says otherwise); give this host another address.`,
        );
      }
      const key = `${network}/${ip}`;
      const owner = owners.get(key);
      if (owner) report(path, `${ip} is already used by host '${owner}' on network '${network}'; each host needs its own address.`);
      else owners.set(key, host);
    }
  }
}

/** Routers' addresses per network: where default routes and static routes may point. */
function routerAddresses(scenario: ScenarioValue): Map<string, string> {
  const addresses = new Map<string, string>(); // ip -> router
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    if (spec.role !== 'router') continue;
    for (const ip of Object.values(spec.networks)) addresses.set(ip, host);
  }
  return addresses;
}

function checkRouting(scenario: ScenarioValue, report: Report) {
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

function checkNat(scenario: ScenarioValue, report: Report) {
  for (const [host, spec] of Object.entries(scenario.hosts)) {
    spec.nat?.forEach((rule, index) => {
      const path: PathSegment[] = ['hosts', host, 'nat', index];
      if (spec.role !== 'router') {
        report(path, `NAT rules only go on routers; add 'role: router' to '${host}' or move the rule.`);
        return;
      }
      if ('masquerade' in rule) {
        if (!(rule.masquerade.out in spec.networks)) {
          report([...path, 'masquerade', 'out'], `'${rule.masquerade.out}' is not a network of router '${host}' (it has: ${Object.keys(spec.networks).join(', ')}).`);
        }
        return;
      }
      const forward = rule.port_forward;
      if (!(forward.network in spec.networks)) {
        report([...path, 'port_forward', 'network'], `'${forward.network}' is not a network of router '${host}' (it has: ${Object.keys(spec.networks).join(', ')}).`);
      }
      // The schema has checked the address and the port's range.
      const [targetIp = ''] = forward.to.split(':');
      const targetOnLink = Object.keys(spec.networks).some(
        (network) => network !== forward.network && scenario.networks[network] && contains(scenario.networks[network]!.subnet, targetIp),
      );
      if (!targetOnLink) {
        report([...path, 'port_forward', 'to'], `target ${targetIp} is not on another network of router '${host}'; forward to a host the router reaches directly.`);
      } else if (!hostAt(scenario, targetIp)) {
        // Forwarding to an address nobody has would only show up as a timeout at run time.
        report([...path, 'port_forward', 'to'], `target ${targetIp} is the address of no host; forward to one of the hosts' addresses.`);
      }
    });
  }
}

/** A file copied into a host is data a person chose; beyond this it is a mistake or an attack on the host's memory. */
export const MAX_HOST_FILE_BYTES = 64 * 1024 * 1024;

function checkFiles(scenario: ScenarioValue, scenarioDir: string, report: Report) {
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

function checkSteps(scenario: ScenarioValue, scenarioDir: string, report: Report) {
  const hosts = new Set(Object.keys(scenario.hosts));
  const started = new Set<string>();
  const ran = new Set<string>();
  const ids = new Map<string, string>(); // id -> dotted path of first use
  const allIds = collectIds(scenario.steps ?? [], ['steps']); // also those given later

  /** Where an id that is not known yet is given later, as a hint to move a step. */
  const laterHint = (id: string, what: string) => {
    const later = allIds.get(id);
    return later ? `'${id}' is given only later (${later.path}); move ${what} after that step.` : undefined;
  };

  /** stop and wait act on a background program: one begun by an earlier start step. */
  const checkBackgroundId = (path: PathSegment[], id: string, action: string) => {
    if (started.has(id)) return;
    if (ran.has(id)) {
      report(path, `'${id}' is a run step's program, which has finished before this step; only a program begun by a start step can be ${action}.`);
      return;
    }
    report(
      path,
      laterHint(id, 'this step') ??
        `no program was started with id '${id}' before this step${didYouMean(id, [...started])}; set 'id: ${id}' on the start step that begins it.`,
    );
  };

  const checkHost = (path: PathSegment[], host: string, what = 'host') => {
    if (!hosts.has(host)) report(path, `unknown ${what} '${host}'${didYouMean(host, [...hosts])}; declared hosts: ${[...hosts].join(', ')}.`);
  };

  const checkProgram = (step: StartStepValue | RunStepValue, path: PathSegment[]) => {
    const hasProgram = step.program !== undefined;
    const hasCommand = step.command !== undefined;
    if (hasProgram === hasCommand) {
      report(path, hasProgram ? `give either 'program' or 'command', not both.` : `say what to run: add 'program: FILE' (.ts, .js, .py) or 'command: ...'.`);
    }
    if (step.program !== undefined) {
      const programPath = [...path, 'program'];
      if (!PROGRAM_EXTENSIONS.includes(extname(step.program))) {
        report(programPath, `'${step.program}' is not a program socklab can run; use a .ts, .js or .py file, or 'command:'.`);
      } else {
        const found = resolveProgramPath(step.program, scenarioDir);
        if (found.kind === 'outside') report(programPath, `'${step.program}' is outside the scenario's folder; keep programs beside the scenario.`);
        else if (found.kind === 'missing') {
          const where = found.searched.length > 1 ? "neither in the scenario's folder nor in socklab's programs/ folder" : "not in the scenario's folder";
          report(programPath, `program '${step.program}' is ${where}; check the path (it is relative to the scenario).`);
        } else if (found.kind !== 'found') report(programPath, localFileProblem('program', step.program, found, MAX_PROGRAM_BYTES));
      }
    }
    if (step.id !== undefined) {
      const first = ids.get(step.id);
      if (first) report([...path, 'id'], `id '${step.id}' is already used at ${first}; give each program its own id.`);
      else ids.set(step.id, path.join('.'));
    }
  };

  const checkWaitFor = (step: StartStepValue, path: PathSegment[]) => {
    const waitFor = step.wait_for;
    if (typeof waitFor === 'object' && waitFor.output === undefined && waitFor.regex === undefined && waitFor.port === undefined) {
      report([...path, 'wait_for'], `say what to wait for: 'output: TEXT', 'regex: PATTERN' or 'port: NUMBER' (a port that starts listening).`);
    }
    if (waitFor === undefined && step.timeout !== undefined) {
      // A start step does not wait for its program; its timeout only bounds wait_for.
      report([...path, 'timeout'], `'timeout' on a start step limits 'wait_for', and this step has none; add 'wait_for' or remove 'timeout'.`);
    }
  };

  const checkExpectation = (expectation: ExpectationValue, path: PathSegment[]) => {
    if ('output' in expectation) {
      const id = expectation.output.of;
      if (!started.has(id) && !ran.has(id)) {
        report(
          [...path, 'output', 'of'],
          laterHint(id, 'this expectation') ??
            `no program with id '${id}' runs before this step${didYouMean(id, [...started, ...ran])}; set 'id: ${id}' on its start or run step.`,
        );
      }
    } else if ('connection' in expectation) checkHost([...path, 'connection', 'host'], expectation.connection.host);
    else if ('listening' in expectation) checkHost([...path, 'listening', 'host'], expectation.listening.host);
    else if ('process' in expectation) {
      checkHost([...path, 'process', 'host'], expectation.process.host);
      if (!expectation.process.running === !expectation.process.not_running) {
        report([...path, 'process'], `give exactly one of 'running' or 'not_running'.`);
      }
    } else if ('translation' in expectation) {
      const router = expectation.translation.router;
      checkHost([...path, 'translation', 'router'], router, 'router');
      if (hosts.has(router) && scenario.hosts[router]!.role !== 'router') {
        report([...path, 'translation', 'router'], `'${router}' is not a router; translations happen on hosts with 'role: router'.`);
      }
    }
  };

  const walk = (steps: readonly StepValue[], base: PathSegment[]) => {
    steps.forEach((step, index) => {
      const path = [...base, index];
      const kind = stepKind(step);
      if ('start' in step) {
        checkHost([...path, 'start'], step.start);
        checkProgram(step, path);
        checkWaitFor(step, path);
        if (step.id) started.add(step.id);
      } else if ('run' in step) {
        checkHost([...path, 'run'], step.run);
        checkProgram(step, path);
        if (step.id) ran.add(step.id);
      } else if ('parallel' in step) {
        step.parallel.forEach((run, runIndex) => {
          checkHost([...path, 'parallel', runIndex, 'run'], run.run);
          checkProgram(run, [...path, 'parallel', runIndex]);
          if (run.id) ran.add(run.id);
        });
      } else if ('observe' in step) {
        const observed = typeof step.observe === 'string' ? [step.observe] : Array.isArray(step.observe) ? step.observe : step.observe.hosts;
        const observePath = typeof step.observe === 'string' || Array.isArray(step.observe) ? [...path, 'observe'] : [...path, 'observe', 'hosts'];
        observed.forEach((host, hostIndex) =>
          checkHost(typeof step.observe === 'string' ? observePath : [...observePath, hostIndex], host),
        );
        if (typeof step.observe === 'object' && !Array.isArray(step.observe) && step.observe.show && step.observe.command !== undefined) {
          // The command would win and the views listed in `show` would silently not appear.
          report([...path, 'observe', 'command'], `give either 'show' (the standard views) or 'command' (one command of your own), not both; make two observe steps to see both.`);
        }
      } else if ('stop' in step) {
        checkBackgroundId([...path, 'stop'], step.stop, 'stopped');
      } else if ('wait' in step) {
        checkBackgroundId([...path, 'wait'], step.wait, 'waited for');
      } else if ('expect' in step) {
        const list = Array.isArray(step.expect) ? step.expect : [step.expect];
        list.forEach((expectation, i) =>
          checkExpectation(expectation, Array.isArray(step.expect) ? [...path, 'expect', i] : [...path, 'expect']),
        );
      } else if (kind === 'capture' && 'capture' in step) {
        checkHost([...path, 'capture', 'host'], step.capture.host);
        const host = scenario.hosts[step.capture.host];
        step.capture.networks?.forEach((network, i) => {
          if (!scenario.networks[network]) {
            report([...path, 'capture', 'networks', i], `unknown network '${network}'${didYouMean(network, Object.keys(scenario.networks))}; declared networks: ${known(scenario.networks)}.`);
          } else if (host && !(network in host.networks)) {
            report([...path, 'capture', 'networks', i], `'${step.capture.host}' is not on network '${network}' (it is on: ${Object.keys(host.networks).join(', ')}).`);
          }
        });
        walk(step.steps, [...path, 'steps']);
      }
    });
  };
  walk(scenario.steps ?? [], ['steps']);
}

/** Every program id given in the steps, with where, in step order. */
function collectIds(steps: readonly StepValue[], base: PathSegment[], into = new Map<string, { path: string }>()) {
  steps.forEach((step, index) => {
    const path = [...base, index];
    const note = (id: string | undefined, at: PathSegment[]) => {
      if (id !== undefined && !into.has(id)) into.set(id, { path: dottedPath(at) });
    };
    if ('start' in step || 'run' in step) note(step.id, path);
    else if ('parallel' in step) step.parallel.forEach((run, i) => note(run.id, [...path, 'parallel', i]));
    else if ('capture' in step && 'steps' in step) collectIds(step.steps, [...path, 'steps'], into);
  });
  return into;
}

function known(record: Record<string, unknown>): string {
  return Object.keys(record).join(', ');
}

function didYouMean(name: string, names: readonly string[]): string {
  const suggestion = closest(name, names);
  return suggestion ? ` (did you mean '${suggestion}'?)` : '';
}

/** The host that has `ip` on one of its networks. */
function hostAt(scenario: ScenarioValue, ip: string): string | undefined {
  return Object.entries(scenario.hosts).find(([, spec]) => Object.values(spec.networks).includes(ip))?.[0];
}
