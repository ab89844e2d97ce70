// The packet journey: the packets of a capture on several hosts, each followed from segment
// to segment, and grouped into conversations for a ladder diagram. A packet is known on
// every hop by what a router does not rewrite (its identity: IP id, length, TCP numbers);
// sightings of one identity close in time are one packet. On each network it crossed, the
// packet went from the host that saw it first to the host that saw it last; where its
// source or destination differ from the segment before, the router between them rewrote it.
import { addressText, packetIdentity, type PacketAddress, type PacketRecord } from '../observe/packets.js';

/** A capture's packets as one host recorded them: on one network, or on all its interfaces. */
export interface RecordedSide {
  host: string;
  network?: string;
  /** For a capture of all interfaces: interface -> network. */
  networksByIface?: Record<string, string>;
  records: PacketRecord[];
}

/** The host that has `ip` on `network`, if any: the other end of a hop recorded on one side only. */
export type AddressBook = (network: string, ip: string) => string | undefined;

export interface Hop {
  network: string;
  from: string;
  /** The host that received it on this network, when it was recorded there. */
  to?: string;
  time: number;
  src: PacketAddress;
  dst: PacketAddress;
  ttl: number;
  /** Set when a router rewrote the packet before this hop: who, and what. */
  rewritten?: { at: string; what: 'source' | 'destination' | 'source and destination'; before: string; after: string };
}

export interface JourneyPacket {
  /** Position in the conversation, from 1. */
  index: number;
  protocol: string;
  flags?: string;
  seq?: string;
  ack?: string;
  ipId: number;
  length: number;
  info: string;
  hops: Hop[];
}

export interface Conversation {
  protocol: string;
  /** The two ends as the first packet's first hop shows them: who began, and to whom. */
  from: string;
  to: string;
  /** Hosts in the order the conversation's first packet met them: the ladder's lanes. */
  lanes: string[];
  packets: JourneyPacket[];
  /** More packets than a ladder shows were left out. */
  more: number;
}

/** Sightings of one identity further apart than this are different packets (a retransmission is a new one). */
const SAME_PACKET_S = 1;
/** A ladder shows this many packets of a conversation. */
export const LADDER_PACKETS = 60;

interface Sighting {
  host: string;
  network: string;
  record: PacketRecord;
}

/** The network a record was on: the capture's, or its interface's on a capture of all of them. */
function networkOf(side: RecordedSide, record: PacketRecord): string {
  return side.network ?? (record.iface && side.networksByIface?.[record.iface]) ?? `${side.host} (${record.iface ?? 'any'})`;
}

/** Each packet with its sightings, in time order. */
function packetsOf(sides: readonly RecordedSide[]): Sighting[][] {
  const byIdentity = new Map<string, Sighting[]>();
  for (const side of sides) {
    for (const record of side.records) {
      const key = packetIdentity(record);
      const list = byIdentity.get(key) ?? [];
      list.push({ host: side.host, network: networkOf(side, record), record });
      byIdentity.set(key, list);
    }
  }
  const packets: Sighting[][] = [];
  for (const sightings of byIdentity.values()) {
    sightings.sort((a, b) => a.record.time - b.record.time);
    let current: Sighting[] = [];
    for (const sighting of sightings) {
      if (current.length && sighting.record.time - current[current.length - 1]!.record.time > SAME_PACKET_S) {
        packets.push(current);
        current = [];
      }
      current.push(sighting);
    }
    if (current.length) packets.push(current);
  }
  return packets.sort((a, b) => a[0]!.record.time - b[0]!.record.time);
}

/**
 * Who sent and who received a packet on one network. Recorded at both ends: the first and the
 * last to see it. Recorded at one end only: that host, and the other end found by address
 * (the sender by the source, the receiver by the destination) when it is on that network.
 */
function endsOf(network: string, seen: Sighting[], book: AddressBook): { from: string; to?: string } {
  const first = seen[0]!;
  const last = seen[seen.length - 1]!;
  if (last.host !== first.host) return { from: first.host, to: last.host };
  // Which way it went: the capture says so on all interfaces; otherwise the addresses do.
  const { src, dst, direction } = first.record;
  const arrived = direction ? direction === 'in' : book(network, dst.ip) === first.host || (book(network, src.ip) ?? first.host) !== first.host;
  const other = book(network, arrived ? src.ip : dst.ip);
  if (arrived) return other && other !== first.host ? { from: other, to: first.host } : { from: first.host };
  return other && other !== first.host ? { from: first.host, to: other } : { from: first.host };
}

function hopsOf(sightings: Sighting[], book: AddressBook): Hop[] {
  const byNetwork = new Map<string, Sighting[]>();
  for (const sighting of sightings) byNetwork.set(sighting.network, [...(byNetwork.get(sighting.network) ?? []), sighting]);
  const hops: Hop[] = [...byNetwork.entries()].map(([network, seen]) => {
    const first = seen[0]!;
    return {
      network,
      ...endsOf(network, seen, book),
      time: first.record.time,
      src: first.record.src,
      dst: first.record.dst,
      ttl: first.record.ttl,
    };
  });
  for (let index = 1; index < hops.length; index++) {
    const before = hops[index - 1]!;
    const hop = hops[index]!;
    const source = addressText(before.src) !== addressText(hop.src);
    const destination = addressText(before.dst) !== addressText(hop.dst);
    if (!source && !destination) continue;
    hop.rewritten = {
      at: hop.from,
      what: source && destination ? 'source and destination' : source ? 'source' : 'destination',
      before: `${addressText(before.src)} > ${addressText(before.dst)}`,
      after: `${addressText(hop.src)} > ${addressText(hop.dst)}`,
    };
  }
  return hops;
}

/** Both directions of one conversation share this: its two ends, as one hop sees them, in order. */
function conversationKey(protocol: string, hops: Hop[]): string[] {
  return hops.map((hop) => `${protocol} ${[addressText(hop.src), addressText(hop.dst)].sort().join(' ')}`);
}

export function journey(sides: readonly RecordedSide[], book: AddressBook = () => undefined): Conversation[] {
  const conversations: Conversation[] = [];
  const byKey = new Map<string, Conversation>();
  for (const sightings of packetsOf(sides)) {
    const record = sightings[0]!.record;
    const hops = hopsOf(sightings, book);
    const keys = conversationKey(record.protocol, hops);
    let conversation = keys.map((key) => byKey.get(key)).find(Boolean);
    if (!conversation) {
      conversation = { protocol: record.protocol, from: addressText(hops[0]!.src), to: addressText(hops[0]!.dst), lanes: [], packets: [], more: 0 };
      conversations.push(conversation);
    }
    for (const key of keys) byKey.set(key, conversation);
    for (const hop of hops) for (const host of [hop.from, hop.to]) if (host && !conversation.lanes.includes(host)) conversation.lanes.push(host);
    if (conversation.packets.length >= LADDER_PACKETS) {
      conversation.more += 1;
      continue;
    }
    conversation.packets.push({
      index: conversation.packets.length + 1,
      protocol: record.protocol,
      ...(record.flags ? { flags: record.flags } : {}),
      ...(record.seq ? { seq: record.seq } : {}),
      ...(record.ack ? { ack: record.ack } : {}),
      ipId: record.ipId,
      length: record.length,
      info: record.info,
      hops,
    });
  }
  return conversations;
}
