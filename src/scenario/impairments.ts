// Link impairments as a host gets them: the network's `impair` with the host's own for that
// network laid over it, key by key, in the units tc takes. Which of them need the kernel's
// netem (delay and jitter have no other way in; loss and rate do) is known here too, with
// where the scenario writes them, so an engine without netem is told at the right line.
import type { PathSegment } from './issues.js';
import { durationMs, type ImpairmentValue, type ScenarioValue } from './schema.js';

export interface LinkImpairment {
  delayMs?: number;
  jitterMs?: number;
  /** Percent, 0 to 100. */
  lossPercent?: number;
  /** As tc writes it ('1mbit'), and in bits per second. */
  rate?: { text: string; bitsPerSecond: number };
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

function linkImpairment(value: ImpairmentValue): LinkImpairment {
  const rate = value.rate ? /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(value.rate) : null;
  return {
    ...(value.delay !== undefined ? { delayMs: durationMs(value.delay, 0) } : {}),
    ...(value.jitter !== undefined ? { jitterMs: durationMs(value.jitter, 0) } : {}),
    ...(value.loss !== undefined ? { lossPercent: typeof value.loss === 'number' ? value.loss : Number(value.loss.slice(0, -1)) } : {}),
    ...(rate ? { rate: { text: value.rate!, bitsPerSecond: Number(rate[1]) * RATE_UNITS[rate[2]!]! } } : {}),
  };
}

type Topology = Pick<ScenarioValue, 'networks' | 'hosts'>;

/** Each network of `host` that has impairments, with them (the host's over the network's). */
export function hostImpairments(scenario: Topology, host: string): { network: string; ip: string; impairment: LinkImpairment }[] {
  const spec = scenario.hosts[host];
  if (!spec) return [];
  return Object.entries(spec.networks).flatMap(([network, ip]) => {
    const merged = { ...scenario.networks[network]?.impair, ...spec.impair?.[network] };
    return Object.keys(merged).length > 0 ? [{ network, ip, impairment: linkImpairment(merged) }] : [];
  });
}

/** Every place a scenario writes an impairment that only netem can make: delay and jitter. */
export function netemOnlyUses(scenario: Topology): PathSegment[][] {
  const paths: PathSegment[][] = [];
  const look = (value: ImpairmentValue | undefined, at: PathSegment[]) => {
    for (const key of ['delay', 'jitter'] as const) if (value?.[key] !== undefined) paths.push([...at, key]);
  };
  for (const [name, network] of Object.entries(scenario.networks)) look(network.impair, ['networks', name, 'impair']);
  for (const [name, host] of Object.entries(scenario.hosts)) {
    for (const [network, value] of Object.entries(host.impair ?? {})) look(value, ['hosts', name, 'impair', network]);
  }
  return paths;
}

/**
 * The networks where packets are lost somewhere (on the network, or at one host's interface
 * on it). Every host sends there in packets no bigger than the wire's: with segmentation
 * offload, a TCP sender hands the link 64 KB at once, and one loss would take 45 segments.
 */
export function lossyNetworks(scenario: Topology): Set<string> {
  const lossy = new Set<string>();
  for (const [name, network] of Object.entries(scenario.networks)) if (network.impair?.loss !== undefined) lossy.add(name);
  for (const host of Object.values(scenario.hosts)) {
    for (const [network, value] of Object.entries(host.impair ?? {})) if (value.loss !== undefined) lossy.add(network);
  }
  return lossy;
}

/** Whether anything in the scenario is impaired (a lesson's topology shows it). */
export const hasImpairments = (scenario: Topology) =>
  Object.values(scenario.networks).some((network) => network.impair) || Object.values(scenario.hosts).some((host) => host.impair);
