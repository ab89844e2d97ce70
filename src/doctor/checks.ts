// What `socklab doctor` checks, each with a verdict and the fix: the engine, the lab image
// (present, current, old ones), what containers may do (routes, iptables, forwarding),
// netem and its fallback, room in the transit pool lab bridges are addressed from, and
// objects socklab left behind. Deciding the verdicts from what the engine
// reports is pure (unit-tested); gathering it is one probe container and a few listings.
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import type { ContainerInfo, ImageInfo, NetworkInfo, Runtime } from '../runtime/runtime.js';
import { LABEL } from '../runtime/labels.js';
import { LAB_IMAGE_REPO, labImagePackages, labImageRef, recipeDir } from '../image/lab-image.js';
import { runState, snapshotEngine, strayRuleRuns, type EngineSnapshot } from '../lab/cleanup.js';
import type { LabInfo } from '../lab/labs.js';
import { currentOwner, ownerText } from '../lab/ownership.js';
import { TRANSIT_POOL } from '../scenario/transit-pool.js';
import { overlaps, parseSubnet } from '../util/ipv4.js';
import { SOCKLAB_ROOT } from '../util/paths.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
  /** What `doctor --fix` can repair by itself. */
  repair?: 'engine' | 'image';
}

const skipped = (name: string, why: string): CheckResult => ({ name, verdict: 'skip', detail: `not checked: ${why}` });

// ---- the probe: one short-lived container tries what labs need -------------------------

/**
 * Run in a probe container with NET_ADMIN and ip_forward, network 'none' (nothing leaves
 * it). Each line is KEY=ok or KEY=fail plus the error. 192.0.2.0/24 is a documentation
 * range, routed to the probe's own loopback only.
 */
export const PROBE_SCRIPT = [
  `try() { key=$1; shift; if out=$("$@" 2>&1); then echo "$key=ok"; else echo "$key=fail $(echo "$out" | head -n 1)"; fi; }`,
  `try route ip route add 192.0.2.0/24 dev lo`,
  `try iptables iptables -t nat -L -n`,
  `try ip6tables ip6tables -L INPUT -n`,
  `try setpriv setpriv --bounding-set -net_admin,-net_raw true`,
  `echo "forward=$( [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] && echo ok || echo 'fail ip_forward is not 1')"`,
  `try netem tc qdisc add dev lo root netem delay 1ms`,
  `try statistic iptables -A OUTPUT -o lo -m statistic --mode random --probability 0.5 -j DROP`,
  `try tbf tc qdisc replace dev lo root tbf rate 1mbit burst 4096 latency 400ms`,
].join('\n');

export type ProbeKey = 'route' | 'iptables' | 'ip6tables' | 'setpriv' | 'forward' | 'netem' | 'statistic' | 'tbf';
export type ProbeResult = Partial<Record<ProbeKey, { ok: boolean; error: string }>>;

export function parseProbe(output: string): ProbeResult {
  const result: ProbeResult = {};
  for (const line of output.split('\n')) {
    const match = /^(route|iptables|ip6tables|setpriv|forward|netem|statistic|tbf)=(ok|fail)\s*(.*)$/.exec(line.trim());
    if (match) result[match[1] as ProbeKey] = { ok: match[2] === 'ok', error: match[3] ?? '' };
  }
  return result;
}

export function capabilityVerdict(probe: ProbeResult): CheckResult {
  const name = 'container rights';
  const missing = (['route', 'iptables', 'ip6tables', 'setpriv', 'forward'] as const).filter((key) => !probe[key]?.ok);
  if (missing.length === 0) {
    return {
      name,
      verdict: 'ok',
      detail:
        'NET_ADMIN works in a container: routes, iptables (nat, and ip6tables for the isolation rules), ip_forward for routers; programs can be run without it (setpriv)',
    };
  }
  const what = missing.map((key) => `${key}${probe[key]?.error ? ` (${probe[key]!.error})` : ' (no answer)'}`).join('; ');
  return {
    name,
    verdict: 'fail',
    detail: `a container with NET_ADMIN could not set: ${what}. Routers and NAT lessons will fail.`,
    fix: 'run a Docker engine that grants NET_ADMIN and the ip_forward sysctl to containers (rootless or sandboxed engines may not)',
  };
}

export function netemVerdict(probe: ProbeResult): CheckResult {
  const name = 'netem';
  if (probe.netem?.ok) return { name, verdict: 'ok', detail: 'tc netem works: impairments (delay, jitter, loss, rate) are made with netem' };
  const why = probe.netem?.error ? ` (${probe.netem.error})` : '';
  const works = [probe.statistic?.ok && 'loss by iptables statistic', probe.tbf?.ok && 'rate by tbf'].filter(Boolean);
  const broken = [!probe.statistic?.ok && 'loss (iptables statistic failed too)', !probe.tbf?.ok && 'rate (tbf failed too)'].filter(Boolean);
  return {
    name,
    verdict: 'warn',
    detail:
      `netem is not available on this kernel${why}: delay and jitter cannot be made (scenarios that ask for them are refused)` +
      `${works.length ? `; the fallback works for ${works.join(' and ')} (checked)` : ''}${broken.length ? `; unavailable: ${broken.join(', ')}` : ''}. Lessons without impairments are not affected.`,
    fix: "on the engine's host, load the module (modprobe sch_netem) or use a kernel that has it",
  };
}

async function probe(runtime: Runtime, image: string): Promise<ProbeResult | Error> {
  try {
    const result = await runtime.runHelper({
      image,
      command: ['sh', '-c', PROBE_SCRIPT],
      // Labelled like every socklab object, so cleanup finds it if doctor is killed mid-probe.
      labels: { [LABEL.run]: `doctor-${randomBytes(3).toString('hex')}`, [LABEL.helper]: 'doctor', [LABEL.owner]: ownerText(currentOwner()) },
      hostNetwork: false,
      capAdd: ['NET_ADMIN'],
      sysctls: { 'net.ipv4.ip_forward': '1' },
    });
    return parseProbe(result.stdout);
  } catch (error) {
    return error as Error;
  }
}

// ---- the lab image ----------------------------------------------------------------------

export function imageVerdict(ref: string, present: ImageInfo | undefined, recipe: string, packages: readonly string[] = []): CheckResult {
  const name = 'lab image';
  const where = relative(process.cwd(), recipe) || recipe;
  if (present) {
    const holds = packages.length > 0 ? `; it holds ${packages.join(', ')}` : '';
    return { name, verdict: 'ok', detail: `${ref} is present (${(present.sizeBytes / 1e6).toFixed(0)} MB) and matches the recipe in ${where}${holds}` };
  }
  return {
    name,
    verdict: 'fail',
    detail: `${ref} is absent: the recipe in ${where} has changed since the last build, or the image was never built`,
    fix: 'socklab image build (about a minute; socklab doctor --fix does it)',
    repair: 'image',
  };
}

export function oldImagesVerdict(current: string, images: ImageInfo[], containers: ContainerInfo[]): CheckResult {
  const name = 'old lab images';
  const old = images.filter((image) => image.ref !== current);
  if (old.length === 0) return { name, verdict: 'ok', detail: 'none' };
  const inUse = new Set(containers.map((container) => container.image));
  const removable = old.filter((image) => !inUse.has(image.ref));
  const megabytes = removable.reduce((sum, image) => sum + image.sizeBytes, 0) / 1e6;
  const list = old.map((image) => `${image.ref}${inUse.has(image.ref) ? ' (used by a lab that is up)' : ''}`).join(', ');
  return {
    name,
    verdict: 'warn',
    detail: `images of earlier recipes: ${list}`,
    ...(removable.length > 0 ? { fix: `docker rmi ${removable.map((image) => image.ref).join(' ')} (frees about ${megabytes.toFixed(0)} MB)` } : {}),
  };
}

// ---- transit pool ----------------------------------------------------------------------

/**
 * Lessons' own subnets never reach the engine (lab/addressing.ts), so they cannot clash with
 * anything; what lab bridges need is free room in socklab's transit pool. Networks socklab
 * did not make that use part of it are avoided; only a pool they fill entirely stops labs.
 */
export function transitPoolVerdict(networks: NetworkInfo[], pool = TRANSIT_POOL): CheckResult {
  const name = 'transit pool';
  const inPool = networks.flatMap((network) => network.subnets.filter((subnet) => overlaps(subnet, pool)).map((subnet) => ({ network, subnet })));
  const foreign = inPool.filter(({ network }) => !(LABEL.run in network.labels));
  const poolSize = parseSubnet(pool).size;
  const used = inPool.reduce((sum, { subnet }) => sum + Math.min(parseSubnet(subnet).size, poolSize), 0);
  const labBridges = inPool.length - foreign.length;
  const free = Math.max(0, 1 - used / poolSize);
  const summary = `${pool}: ${labBridges} lab bridge(s) use it, ${(free * 100).toFixed(free < 0.01 ? 2 : 0)}% free`;
  const foreignText = foreign.map(({ network, subnet }) => `'${network.name}' (${subnet})`).join(', ');
  if (foreign.some(({ subnet }) => parseSubnet(subnet).size >= poolSize) || free < 0.01) {
    return {
      name,
      verdict: 'fail',
      detail: `${summary}; networks not made by socklab fill it: ${foreignText || 'none'}`,
      fix: `remove those networks if nothing uses them (docker network rm ${foreign.map(({ network }) => network.name).join(' ')}), or labs that are no longer needed (socklab down)`,
    };
  }
  if (foreign.length > 0) {
    return { name, verdict: 'warn', detail: `${summary}; socklab avoids the part used by networks it did not make: ${foreignText}` };
  }
  return { name, verdict: 'ok', detail: `${summary} (lessons' own subnets never reach the engine, so they clash with nothing)` };
}

// ---- leftovers and labs up ----------------------------------------------------------

/**
 * What socklab left behind, as opposed to labs in use: runs whose socklab process died
 * (naming the subnets they still hold), helpers of dead processes, and host rules of runs
 * that are gone. Runs in progress and labs up on purpose are not leftovers.
 */
export function describeLeftovers(snapshot: EngineSnapshot): string[] {
  const dead = snapshot.labs.filter((lab) => runState(lab) === 'dead');
  return [
    ...dead.map((lab) => {
      const hosts = lab.hosts.length;
      const why = lab.kept ? 'kept, but incomplete or stopped' : 'its socklab process is gone';
      return `dead run ${lab.name} (run ${lab.runId}, ${why}): ${hosts} host(s), ${lab.networks.length} network(s)`;
    }),
    ...snapshot.helpers.map((helper) => `helper container ${helper.name} (its socklab process is gone)`),
    ...strayRuleRuns(snapshot.rules ?? [], snapshot.labs).map((run) => `host rules of run ${run} (its bridges are gone)`),
  ];
}

export function leftoverVerdict(leftovers: string[], rulesChecked: boolean): CheckResult {
  const name = 'leftovers';
  const rulesNote = rulesChecked ? '' : ' (host rules not checked: they need the lab image)';
  if (leftovers.length === 0) return { name, verdict: 'ok', detail: `nothing left behind by earlier runs${rulesNote}` };
  return {
    name,
    verdict: 'warn',
    detail: `${leftovers.length} left behind: ${leftovers.join('; ')}${rulesNote}`,
    fix: 'socklab cleanup (removes only these; runs in progress and labs up on purpose stay)',
  };
}

const STATE_WORDS = { running: 'in progress', elsewhere: 'made elsewhere', up: 'up', dead: 'dead' } as const;

/** Not a problem, but worth knowing: labs hold resources until `socklab down`. */
export function labsUpVerdict(labs: LabInfo[]): CheckResult {
  const alive = labs.filter((lab) => lab.hosts.length > 0 && runState(lab) !== 'dead');
  const list = alive.map((lab) => `${lab.name} (run ${lab.runId}, ${STATE_WORDS[runState(lab)]}, ${lab.hosts.length} host(s))`).join(', ');
  return { name: 'labs up', verdict: 'ok', detail: alive.length ? `${list}; socklab status shows them` : 'none' };
}

// ---- all checks ------------------------------------------------------------------------

export async function runChecks(runtime: Runtime): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const info = await runtime.engineInfo();
    results.push({ name: 'engine', verdict: 'ok', detail: `Docker ${info.version} (API ${info.apiVersion}, ${info.os}) answers` });
  } catch (error) {
    results.push({
      name: 'engine',
      verdict: 'fail',
      detail: (error as Error).message,
      fix: `bash ${relative(process.cwd(), join(SOCKLAB_ROOT, 'scripts', 'ensure-docker.sh')) || 'scripts/ensure-docker.sh'} (installs and starts Debian's docker.io as root; socklab doctor --fix runs it)`,
      repair: 'engine',
    });
    for (const name of ['lab image', 'container rights', 'netem', 'transit pool', 'leftovers', 'labs up']) results.push(skipped(name, 'no engine'));
    return results;
  }

  const ref = labImageRef();
  const [present, images, containers, networks] = await Promise.all([
    runtime.findImage(ref),
    runtime.listImages(LAB_IMAGE_REPO),
    runtime.listContainers([LABEL.run]),
    runtime.listNetworks(),
  ]);
  results.push(imageVerdict(ref, present, recipeDir(), labImagePackages()));
  results.push(oldImagesVerdict(ref, images, containers));

  if (present) {
    const [probed, snapshot] = await Promise.all([probe(runtime, ref), snapshotEngine(runtime, ref)]);
    if (probed instanceof Error) {
      results.push({
        name: 'container rights',
        verdict: 'fail',
        detail: `a probe container with NET_ADMIN and ip_forward could not run: ${probed.message}`,
        fix: 'run a Docker engine that grants NET_ADMIN and the ip_forward sysctl to containers',
      });
      results.push(skipped('netem', 'the probe container did not run'));
    } else {
      results.push(capabilityVerdict(probed), netemVerdict(probed));
    }
    results.push(transitPoolVerdict(networks));
    results.push(leftoverVerdict(describeLeftovers(snapshot), snapshot.rules !== undefined));
    results.push(labsUpVerdict(snapshot.labs));
  } else {
    const snapshot = await snapshotEngine(runtime, undefined);
    results.push(skipped('container rights', 'needs the lab image'), skipped('netem', 'needs the lab image'));
    results.push(transitPoolVerdict(networks));
    results.push(leftoverVerdict(describeLeftovers(snapshot), false));
    results.push(labsUpVerdict(snapshot.labs));
  }
  return results;
}
