// Parses `conntrack -L` into flows: the original direction and the reply direction. The
// difference between them is the translation a NAT router applied:
//   original: src A:a -> dst B:b      reply: src B':b' -> dst A':a'
//   A' != A (or a' != a): source NAT (masquerade/PAT) rewrote the source to A':a'
//   B' != B (or b' != b): destination NAT (port forward) sent the traffic to B':b'
import type { Endpoint } from './endpoint.js';

export interface ConntrackFlow {
  protocol: string;
  state: string;
  original: { src: Endpoint; dst: Endpoint };
  reply: { src: Endpoint; dst: Endpoint };
  /** Source as seen after NAT (equals original.src when not translated). */
  srcAfter: Endpoint;
  /** Destination as seen after NAT (equals original.dst when not translated). */
  dstAfter: Endpoint;
  sourceNat: boolean;
  destinationNat: boolean;
}

const same = (a: Endpoint, b: Endpoint) => a.ip === b.ip && a.port === b.port;

export function parseConntrack(text: string): ConntrackFlow[] {
  const flows: ConntrackFlow[] = [];
  for (const line of text.split('\n')) {
    const protocol = /^(tcp|udp|icmp)\s/.exec(line.trim())?.[1];
    if (!protocol) continue;
    const fields = line.trim().split(/\s+/);
    const state = protocol === 'tcp' ? (fields[3] ?? '') : '';
    const values = (key: string) => fields.filter((field) => field.startsWith(`${key}=`)).map((field) => field.slice(key.length + 1));
    const [src0, src1] = values('src');
    const [dst0, dst1] = values('dst');
    const [sport0, sport1] = values('sport');
    const [dport0, dport1] = values('dport');
    if (!src0 || !src1 || !dst0 || !dst1) continue;
    const original = { src: { ip: src0, port: Number(sport0 ?? 0) }, dst: { ip: dst0, port: Number(dport0 ?? 0) } };
    const reply = { src: { ip: src1, port: Number(sport1 ?? 0) }, dst: { ip: dst1, port: Number(dport1 ?? 0) } };
    const srcAfter = reply.dst;
    const dstAfter = reply.src;
    flows.push({
      protocol,
      state,
      original,
      reply,
      srcAfter,
      dstAfter,
      sourceNat: !same(srcAfter, original.src),
      destinationNat: !same(dstAfter, original.dst),
    });
  }
  return flows;
}
