// Source NAT on a router, as the setup script makes it: MASQUERADE with the port choice the
// scenario asks for, the firewall a home router has for its public address, and, for a full
// cone, a watcher that opens each new UDP mapping to everyone.
import { FULL_CONE_WATCHER_IN_HOST as FULL_CONE_WATCHER } from '../in-host/contract.js';
import type { NatRuleValue } from '../scenario/schema.js';

type MasqueradeRule = Extract<NatRuleValue, { masquerade: unknown }>['masquerade'];

/**
 * Netfilter's choices of a public port: by default the host's own when it is free, the same
 * for every destination (endpoint-independent mapping); `--random` a port from a keyed hash
 * of the destination (another port per destination, the same for one destination);
 * `--random-fully` a fresh random port for every flow.
 */
const PORT_CHOICE = { 'port-preserving': '', random: ' --random', symmetric: ' --random-fully' } as const;

/**
 * The watcher of a full cone: each new UDP flow the router masquerades (its reply comes back
 * to the public address) gets a port forward of its public port to the host's address and
 * port, so anyone may send to it, not only the endpoint it was sent to. conntrack prints one
 * event per line, flushed: `[NEW] udp 17 30 src=A dst=B sport=P dport=Q [UNREPLIED] src=B
 * dst=PUBLIC sport=Q dport=MAPPED`.
 */
const FULL_CONE_SCRIPT = `iface=$1; public=$2
conntrack -E -e NEW -p udp 2>/dev/null | while read -r line; do
  n=0; host=; port=; replyTo=; mapped=
  for field in $line; do
    case $field in
      src=*) n=$((n + 1)); [ $n = 1 ] && host=\${field#src=} ;;
      sport=*) [ -z "$port" ] && port=\${field#sport=} ;;
      dst=*) [ $n = 2 ] && replyTo=\${field#dst=} ;;
      dport=*) [ $n = 2 ] && mapped=\${field#dport=} ;;
    esac
  done
  [ "$replyTo" = "$public" ] && [ "$host" != "$public" ] && [ -n "$mapped" ] || continue
  rule="PREROUTING -i $iface -d $public -p udp --dport $mapped -j DNAT --to-destination $host:$port"
  iptables -t nat -C $rule 2>/dev/null || iptables -t nat -A $rule
done
`;

/** Shell lines for one masquerade rule; `iface` is a shell word for the `out` interface. */
export function masqueradeScript(rule: MasqueradeRule, publicIp: string, iface: string): string[] {
  const source = rule.source ? ` -s ${rule.source}` : '';
  const lines = [
    `nat_out=${iface}`,
    `iptables -t nat -A POSTROUTING -o "$nat_out"${source} -j MASQUERADE${PORT_CHOICE[rule.behaviour ?? 'port-preserving']}`,
    // A home router's firewall: unsolicited UDP to the public address is dropped, not
    // answered. Dropped before it is confirmed, it also leaves no entry in the connection
    // table that would take the port an inside host is about to use (hole punching).
    `iptables -C INPUT -i "$nat_out" -d ${publicIp} -p udp -m conntrack --ctstate NEW -j DROP 2>/dev/null || iptables -A INPUT -i "$nat_out" -d ${publicIp} -p udp -m conntrack --ctstate NEW -j DROP`,
  ];
  if (rule.full_cone) {
    lines.push(
      `mkdir -p ${FULL_CONE_WATCHER.slice(0, FULL_CONE_WATCHER.lastIndexOf('/'))}`,
      `cat > ${FULL_CONE_WATCHER} <<'SOCKLAB_FULL_CONE'\n${FULL_CONE_SCRIPT}SOCKLAB_FULL_CONE`,
      // Detached from the setup's output, so the setup is done when its script ends.
      `setsid sh ${FULL_CONE_WATCHER} "$nat_out" ${publicIp} </dev/null >/dev/null 2>&1 &`,
    );
  }
  return lines;
}
