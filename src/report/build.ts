// The results object of a run (results.ts), built from what the run left: the scenario's
// topology in words, the events the console showed, the verdicts, who saw what, and the
// captures with their packet journey.
import { relative } from 'node:path';
import type { NatRuleValue, ScenarioValue } from '../scenario/schema.js';
import { journey } from './journey.js';
import { RESULTS_VERSION, type ReportEventValue, type ResultsValue, type TopologyValue } from './results.js';
import type { PacketRecord } from '../observe/packets.js';

/** A NAT rule as a reader says it. */
export function natText(rule: NatRuleValue): string {
  if ('masquerade' in rule) {
    const { out, source, behaviour, full_cone } = rule.masquerade;
    return [`masquerade out ${out}`, source ? `from ${source}` : '', behaviour ?? 'port-preserving', full_cone ? 'full cone' : ''].filter(Boolean).join(', ');
  }
  const forward = rule.port_forward;
  return `port forward ${forward.network} ${forward.protocol ?? 'tcp'}/${forward.port} -> ${forward.to}`;
}

export function topologyOf(scenario: Pick<ScenarioValue, 'networks' | 'hosts'>): TopologyValue {
  return {
    networks: Object.entries(scenario.networks).map(([name, network]) => ({
      name,
      subnet: network.subnet,
      ...(network.description ? { description: network.description } : {}),
      ...(network.impair ? { impair: network.impair } : {}),
    })),
    hosts: Object.entries(scenario.hosts).map(([name, host]) => ({
      name,
      role: host.role ?? 'host',
      ...(host.description ? { description: host.description } : {}),
      addresses: host.networks,
      ...(host.default_route ? { defaultRoute: host.default_route } : {}),
      routes: (host.routes ?? []).map((route) => `${route.to} via ${route.via}`),
      nat: (host.nat ?? []).map(natText),
      ...(host.impair ? { impair: host.impair } : {}),
    })),
  };
}

export interface CaptureOfRun {
  step: string;
  id?: string;
  hosts: {
    host: string;
    results: {
      network?: string;
      iface: string;
      networksByIface: Record<string, string>;
      pcapPath: string;
      textPath: string;
      packets: number;
      capped: boolean;
      records: PacketRecord[];
    }[];
  }[];
}

export interface RunFacts {
  scenario: Pick<ScenarioValue, 'name' | 'description' | 'networks' | 'hosts'>;
  file: string;
  runId: string;
  outputDir: string;
  passed: boolean;
  seconds: number;
  error?: string;
  events: ReportEventValue[];
  verdicts: ResultsValue['verdicts'];
  whoSeesWhat: ResultsValue['whoSeesWhat'];
  captures: CaptureOfRun[];
}

export function buildResults(facts: RunFacts): ResultsValue {
  const inFolder = (path: string) => relative(facts.outputDir, path);
  return {
    version: RESULTS_VERSION,
    scenario: facts.scenario.name,
    ...(facts.scenario.description ? { description: facts.scenario.description } : {}),
    file: facts.file,
    runId: facts.runId,
    passed: facts.passed,
    seconds: Math.round(facts.seconds * 100) / 100,
    ...(facts.error ? { error: facts.error } : {}),
    topology: topologyOf(facts.scenario),
    events: facts.events,
    verdicts: facts.verdicts,
    whoSeesWhat: facts.whoSeesWhat,
    captures: facts.captures.flatMap((capture) =>
      capture.hosts.flatMap(({ host, results }) =>
        results.map((result) => ({
          step: capture.step,
          ...(capture.id ? { id: capture.id } : {}),
          host,
          ...(result.network ? { network: result.network } : {}),
          iface: result.iface,
          pcap: inFolder(result.pcapPath),
          text: inFolder(result.textPath),
          packets: result.packets,
          capped: result.capped,
        })),
      ),
    ),
    journeys: facts.captures.map((capture) => ({
      step: capture.step,
      conversations: journey(
        capture.hosts.flatMap(({ host, results }) =>
          results.map((result) => ({ host, network: result.network, networksByIface: result.networksByIface, records: result.records })),
        ),
        (network, ip) => Object.entries(facts.scenario.hosts).find(([, spec]) => spec.networks[network] === ip)?.[0],
      ),
    })),
  };
}
