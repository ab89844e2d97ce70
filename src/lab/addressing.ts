// The lesson's addresses on the engine's bridges. Docker refuses two networks with
// overlapping subnets, so it never sees the lesson's: each lab bridge gets a small subnet of
// socklab's transit pool (scenario/transit-pool.ts), each host a transit address in it, and
// at setup every host swaps its transit address for the lesson's. Copies of one lesson then
// run side by side with the very same addresses; each bridge's own rules (lab/host-rules.ts)
// keep them apart.
import type { ContainerSpec, NetworkSpec } from '../runtime/runtime.js';
import { TRANSIT_POOL } from '../scenario/transit-pool.js';
import { numberToIp, overlaps, parseSubnet, subnetText } from '../util/ipv4.js';
import type { LabPlan } from './plan.js';

/** The smallest prefix with room for `members` hosts, the network and broadcast addresses, and Docker's gateway. */
export function transitPrefix(members: number): number {
  let prefix = 30;
  while (2 ** (32 - prefix) < members + 3) prefix--;
  return prefix;
}

/**
 * Hands out blocks of the transit pool. Blocks are picked at random so that socklab
 * processes bringing labs up at the same moment rarely pick the same one (when they do, the
 * engine refuses the second network and bring-up picks again); blocks this process holds are
 * never handed out twice.
 */
export class TransitPool {
  private readonly held = new Set<string>();

  constructor(
    readonly pool = TRANSIT_POOL,
    private readonly random = Math.random,
  ) {}

  /** A free block for `members` hosts, overlapping none of `taken` (the engine's subnets). */
  claim(members: number, taken: readonly string[]): string {
    const pool = parseSubnet(this.pool);
    const prefix = Math.max(transitPrefix(members), pool.prefix);
    const size = 2 ** (32 - prefix);
    const blocks = pool.size / size;
    const busy = [...taken, ...this.held].filter((subnet) => overlaps(subnet, this.pool));
    const blockAt = (index: number) => subnetText({ network: pool.network + (index % blocks) * size, prefix, size });
    const free = (block: string) => !busy.some((subnet) => overlaps(subnet, block));
    const start = Math.floor(this.random() * blocks);
    for (let step = 0; step < blocks; step++) {
      const block = blockAt(start + step);
      if (free(block)) {
        this.held.add(block);
        return block;
      }
    }
    throw new Error(
      `no room left in ${this.pool}, the range socklab gives lab bridges on the engine's side: ${busy.length} network(s) use it. ` +
        `Remove labs that are no longer needed (socklab status, socklab down) or networks that use this range.`,
    );
  }

  release(block: string): void {
    this.held.delete(block);
  }
}

/** The pool every lab of this process draws from. */
export const transitPool = new TransitPool();

export interface AddressedLab {
  networks: NetworkSpec[];
  /** In plan order. */
  containers: ContainerSpec[];
  /** Per host: the shell lines that put the lesson's addresses in place of the transit ones. */
  readdress: Map<string, string>;
}

const transitAddress = (block: string, index: number) => numberToIp(parseSubnet(block).network + 1 + index);
/** Docker's gateway of a transit network: the last usable address, taken by no host. */
export const transitGateway = (block: string) => {
  const subnet = parseSubnet(block);
  return numberToIp(subnet.network + subnet.size - 2);
};

/**
 * The engine objects of a plan once its networks have transit blocks (network name ->
 * block): each host's transit address follows from its place among the network's members.
 */
export function addressLab(plan: LabPlan, transit: ReadonlyMap<string, string>): AddressedLab {
  const networks = new Map(
    plan.networks.map((network) => {
      const block = transit.get(network.name);
      if (!block) throw new Error(`network '${network.name}' has no transit subnet`);
      return [network.name, { network, block, prefix: parseSubnet(network.subnet).prefix }];
    }),
  );
  const on = (name: string) => networks.get(name)!;
  const transitIp = (network: string, host: string) => transitAddress(on(network).block, on(network).network.members.indexOf(host));

  const containers = plan.hosts.map((host) => ({
    ...host.spec,
    networks: Object.keys(host.ips).map((network) => ({ network: on(network).network.spec.name, ip: transitIp(network, host.name) })),
    extraHosts: hostsFileFor(plan, host.name),
  }));

  const readdress = new Map(
    plan.hosts.map((host) => {
      const addresses = Object.entries(host.ips);
      // Every interface is found by its transit address before any is changed.
      const lines = [
        'set -e',
        ...addresses.map(([network], index) => `dev${index}=$(ip -o -4 addr show to ${transitIp(network, host.name)} | awk '{print $2}' | cut -d@ -f1)`),
        ...addresses.flatMap(([network, ip], index) => [
          `[ -n "$dev${index}" ] || { echo "no interface holds the transit address of network '${network}'" >&2; exit 1; }`,
          `ip -4 addr flush dev "$dev${index}"`,
          `ip addr add ${ip}/${on(network).prefix} dev "$dev${index}"`,
        ]),
      ];
      return [host.name, lines.join('\n')];
    }),
  );
  return {
    networks: [...networks.values()].map(({ network, block }) => ({ ...network.spec, subnet: block, gateway: transitGateway(block) })),
    containers,
    readdress,
  };
}

/**
 * The lesson's names for one host's /etc/hosts: every host of the lab by its lesson
 * addresses, those on a network the viewer shares first (the address it can reach).
 */
function hostsFileFor(plan: LabPlan, viewer: string): { name: string; ip: string }[] {
  const shared = new Set(Object.keys(plan.hosts.find((host) => host.name === viewer)!.ips));
  return plan.hosts.flatMap((host) => {
    const entries = Object.entries(host.ips);
    const near = entries.filter(([network]) => shared.has(network));
    const far = entries.filter(([network]) => !shared.has(network));
    return [...near, ...far].map(([, ip]) => ({ name: host.name, ip }));
  });
}
