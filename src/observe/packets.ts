// Packets as `tcpdump -n -tt -S -v -r FILE` prints them, two lines each: the IP header (time,
// TTL, IP id, protocol, length), then the addresses and what the packet carries. Read into
// records that identify one packet across hops: NAT rewrites addresses and ports, never the
// IP id, the TCP sequence numbers (absolute, `-S`) or the length. Lines of other kinds (ARP,
// IPv6) are skipped.

export interface PacketAddress {
  ip: string;
  /** TCP and UDP only. */
  port?: number;
}

export interface PacketRecord {
  /** Seconds since the epoch, as the kernel stamped it (one clock for every host of a lab). */
  time: number;
  /** On a capture of all interfaces: which one, and whether the packet came in or went out. */
  iface?: string;
  direction?: 'in' | 'out';
  protocol: string;
  ttl: number;
  ipId: number;
  /** The IP packet's length, header included. */
  length: number;
  src: PacketAddress;
  dst: PacketAddress;
  /** TCP: tcpdump's flags ('S', 'S.', 'P.', 'F.', 'R.'...). */
  flags?: string;
  seq?: string;
  ack?: string;
  /** What tcpdump says the packet carries, without checksums and TCP options. */
  info: string;
}

// A capture on all interfaces at once (Linux cooked v2) names the interface and the direction.
const HEADER = /^(\d+\.\d+) (?:(\S+)\s+(In|Out|B|M|P)\s+)?IP \(tos \S+, ttl (\d+), id (\d+), offset \d+, flags \[[^\]]*\], proto (\S+) \(\d+\), length (\d+)\)/;
const WITH_PORTS = /^\s+(\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): (.*)$/;
const WITHOUT_PORTS = /^\s+(\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): (.*)$/;

/** What a packet carries, as a reader needs it: no checksums, no TCP options. */
function shortInfo(text: string): string {
  return text
    .replace(/,? ?cksum 0x[0-9a-f]+ \([^)]*\)/g, '')
    .replace(/, options \[[^\]]*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parsePackets(text: string): PacketRecord[] {
  const records: PacketRecord[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const header = HEADER.exec(lines[index]!);
    if (!header) continue;
    const next = lines[index + 1] ?? '';
    const ports = WITH_PORTS.exec(next);
    const plain = ports ? undefined : WITHOUT_PORTS.exec(next);
    if (!ports && !plain) continue;
    index += 1;
    const info = ports ? ports[5]! : plain![3]!;
    const record: PacketRecord = {
      time: Number(header[1]),
      protocol: header[6]!.toLowerCase(),
      ttl: Number(header[4]),
      ipId: Number(header[5]),
      length: Number(header[7]),
      ...(header[2] ? { iface: header[2], direction: header[3] === 'Out' ? 'out' : 'in' } : {}),
      src: ports ? { ip: ports[1]!, port: Number(ports[2]) } : { ip: plain![1]! },
      dst: ports ? { ip: ports[3]!, port: Number(ports[4]) } : { ip: plain![2]! },
      info: shortInfo(info),
    };
    const flags = /Flags \[([^\]]+)\]/.exec(info)?.[1];
    if (flags) record.flags = flags;
    const seq = /\bseq (\d+(?::\d+)?)/.exec(info)?.[1];
    if (seq) record.seq = seq;
    const ack = /\back (\d+)/.exec(info)?.[1];
    if (ack) record.ack = ack;
    records.push(record);
  }
  return records;
}

/** What stays the same when a router forwards (and rewrites) a packet: its identity across hops. */
export const packetIdentity = (packet: PacketRecord) =>
  [packet.protocol, packet.ipId, packet.length, packet.flags ?? '', packet.seq ?? '', packet.ack ?? ''].join('|');

export const addressText = (address: PacketAddress) => (address.port === undefined ? address.ip : `${address.ip}:${address.port}`);
