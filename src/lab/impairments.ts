// Link impairments made in a host at setup, on its interface on the impaired network: tc
// netem where the kernel has it (delay, jitter, rate); rate by tbf where it has not; loss by
// an iptables statistic rule everywhere. Delay and jitter have no fallback: an engine
// without netem is found before the lab is made (`netemSupport` below), and the scenario is
// refused at the line that asks for them.
import { randomBytes } from 'node:crypto';
import { LABEL } from '../runtime/labels.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LinkImpairment } from '../scenario/impairments.js';
import { currentOwner, ownerText } from './ownership.js';

/**
 * Shell lines that impair the host's interface `iface` (a shell word: the interface is found
 * by address when the script runs). Delay, jitter and rate shape what leaves it (netem; tbf
 * for a rate alone without netem). Loss is taken as packets arrive, by an iptables statistic
 * rule, on every engine alike: dropped on the way in, a packet is simply gone, where a drop
 * on the way out would fail the sender's send() with EPERM, which no real link does. A
 * network's impairment is on every interface on it, so each packet crossing the network
 * meets each impairment once. Forwarded packets count too: a router's links are impaired
 * for everything crossing them.
 */
export function impairmentScript(iface: string, impairment: LinkImpairment): string[] {
  const { delayMs, jitterMs, lossPercent, rate } = impairment;
  const lines = [`impaired=${iface}`];
  if (delayMs !== undefined) {
    const netem = [`delay ${delayMs}ms${jitterMs !== undefined ? ` ${jitterMs}ms` : ''}`, rate ? `rate ${rate.text}` : ''].filter(Boolean).join(' ');
    lines.push(
      `tc qdisc replace dev "$impaired" root netem ${netem} || { echo "socklab: tc netem is not available in this kernel: delay and jitter cannot be made" >&2; exit 1; }`,
    );
  } else if (rate) {
    // tbf's bucket must hold at least one tick's worth of the rate (HZ is 100 to 1000).
    const burstBytes = Math.max(4096, Math.ceil(rate.bitsPerSecond / 8 / 100));
    lines.push(
      `tc qdisc replace dev "$impaired" root netem rate ${rate.text} 2>/dev/null || tc qdisc replace dev "$impaired" root tbf rate ${rate.text} burst ${burstBytes} latency 400ms`,
    );
  }
  if (lossPercent !== undefined && lossPercent > 0) {
    const probability = (lossPercent / 100).toFixed(6);
    for (const chain of ['INPUT', 'FORWARD']) lines.push(`iptables -A ${chain} -i "$impaired" -m statistic --mode random --probability ${probability} -j DROP`);
  }
  return lines;
}

/**
 * On a network that loses packets: this interface sends packets no bigger than the wire's
 * (1500 bytes), not 64 KB at once by segmentation offload, so each is lost or not on its own.
 */
export const wirePacketsScript = (iface: string): string => `ip link set dev ${iface} gso_max_size 1500`;

/** What the engine's kernel can do for impairments, probed once per engine and process. */
export interface NetemSupport {
  netem: boolean;
  /** tc's words when netem is missing ("Specified qdisc kind is unknown"). */
  why?: string;
}

const probes = new WeakMap<Runtime, Promise<NetemSupport>>();

/** Whether tc netem works in a lab host on this engine: a short probe container, once. */
export function netemSupport(runtime: Runtime, image: string, signal?: AbortSignal): Promise<NetemSupport> {
  let probe = probes.get(runtime);
  if (!probe) {
    probe = runtime
      .runHelper({
        image,
        command: ['sh', '-c', 'tc qdisc add dev lo root netem delay 1ms 2>&1 && echo netem-ok'],
        // Labelled like every socklab object, so cleanup finds it if socklab dies mid-probe.
        labels: { [LABEL.run]: `probe-${randomBytes(3).toString('hex')}`, [LABEL.helper]: 'netem-probe', [LABEL.owner]: ownerText(currentOwner()) },
        hostNetwork: false,
        capAdd: ['NET_ADMIN'],
        signal,
      })
      .then((result) =>
        result.stdout.includes('netem-ok') ? { netem: true } : { netem: false, why: result.stdout.trim().split('\n')[0] || 'tc gave no reason' },
      );
    // A failed or interrupted probe is not remembered: the next asks again.
    probe.catch(() => probes.delete(runtime));
    probes.set(runtime, probe);
  }
  return probe;
}
