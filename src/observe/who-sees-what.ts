// "Who sees what": one connection as each vantage point sees it. A connection that crosses
// NAT routers has a different source or destination at every hop; conntrack on each router
// shows the tuple arriving and leaving, netstat on each end shows its own side. Joining
// them by the tuples they share gives the picture seed 004 draws by hand:
//   client   192.168.0.10:41234 -> 203.0.113.3:80
//   routerA  in  192.168.0.10:41234 -> 203.0.113.3:80, out 203.0.113.1:41234 -> 203.0.113.3:80
//   routerB  in  203.0.113.1:41234 -> 203.0.113.3:80, out 203.0.113.1:41234 -> 10.10.10.67:60001
//   server   203.0.113.1:41234 -> 10.10.10.67:60001
import type { ConntrackFlow } from './conntrack.js';
import { endpointText, type Endpoint } from './endpoint.js';
import type { SocketRecord } from './netstat.js';
import type { ObservationLog } from './observation-log.js';

export interface Hop {
  host: string;
  seenWith: 'netstat' | 'conntrack';
  /** For routers: the tuple arriving (in) and leaving (out). */
  direction?: 'in' | 'out';
  src: Endpoint;
  dst: Endpoint;
  state?: string;
  note?: string;
  /**
   * When this hop was seen ('step 4', 'end of run'): hops are read at different moments
   * (each observe or expect step reads some hosts), so a client can show ESTABLISHED beside a
   * router's TIME_WAIT seen later.
   */
  seen: string;
}

export interface ConnectionPicture {
  protocol: string;
  hops: Hop[];
}

const same = (a: Endpoint, b: Endpoint) => a.ip === b.ip && a.port === b.port;
const flowKey = (router: string, flow: ConntrackFlow) => `${router} ${flow.protocol} ${endpointText(flow.original.src)} ${endpointText(flow.original.dst)}`;

interface RouterFlow {
  router: string;
  flow: ConntrackFlow;
  moment: string;
}

/** The newest view of each flow per router, across all snapshots. */
function latestFlows(log: ObservationLog): RouterFlow[] {
  const byKey = new Map<string, RouterFlow>();
  for (const snapshot of [...log.flows].sort((a, b) => a.at - b.at)) {
    for (const flow of snapshot.flows) {
      if (flow.protocol !== 'tcp' && flow.protocol !== 'udp') continue;
      byKey.set(flowKey(snapshot.router, flow), { router: snapshot.router, flow, moment: snapshot.moment });
    }
  }
  return [...byKey.values()];
}

/** The newest socket on `host`... or on any host, when the host is unknown: whichever matches. */
function findSocket(
  log: ObservationLog,
  protocol: string,
  local: Endpoint,
  remote: Endpoint,
): { host: string; socket: SocketRecord; moment: string } | undefined {
  for (const snapshot of [...log.sockets].sort((a, b) => b.at - a.at)) {
    const socket = snapshot.sockets.find((s) => s.protocol === protocol && s.state !== 'LISTEN' && same(s.local, local) && same(s.remote, remote));
    if (socket) return { host: snapshot.host, socket, moment: snapshot.moment };
  }
  return undefined;
}

/** Chains router flows hop by hop: what left one router is what arrived at the next. */
export function whoSeesWhat(log: ObservationLog): ConnectionPicture[] {
  const flows = latestFlows(log);
  const continues = (next: RouterFlow, previous: RouterFlow) =>
    next.router !== previous.router &&
    next.flow.protocol === previous.flow.protocol &&
    same(next.flow.original.src, previous.flow.srcAfter) &&
    same(next.flow.original.dst, previous.flow.dstAfter);
  const firsts = flows.filter((candidate) => !flows.some((other) => continues(candidate, other)));

  const pictures: ConnectionPicture[] = [];
  for (const first of firsts) {
    const chain = [first];
    for (;;) {
      const last = chain[chain.length - 1]!;
      const next = flows.find((candidate) => continues(candidate, last) && !chain.includes(candidate));
      if (!next) break;
      chain.push(next);
    }
    if (!chain.some(({ flow }) => flow.sourceNat || flow.destinationNat)) continue; // plain routing: nothing to explain
    const protocol = first.flow.protocol;
    const hops: Hop[] = [];
    const client = findSocket(log, protocol, first.flow.original.src, first.flow.original.dst);
    if (client) {
      hops.push({
        host: client.host,
        seenWith: 'netstat',
        src: client.socket.local,
        dst: client.socket.remote,
        state: client.socket.state,
        seen: client.moment,
      });
    }
    for (const { router, flow, moment } of chain) {
      hops.push({ host: router, seenWith: 'conntrack', direction: 'in', src: flow.original.src, dst: flow.original.dst, state: flow.state, seen: moment });
      const notes = [
        flow.sourceNat ? 'source rewritten (masquerade / PAT)' : '',
        flow.destinationNat ? 'destination rewritten (port forward / DNAT)' : '',
      ].filter(Boolean);
      hops.push({
        host: router,
        seenWith: 'conntrack',
        direction: 'out',
        src: flow.srcAfter,
        dst: flow.dstAfter,
        note: notes.join(', ') || undefined,
        seen: moment,
      });
    }
    const last = chain[chain.length - 1]!.flow;
    const server = findSocket(log, protocol, last.dstAfter, last.srcAfter);
    if (server) {
      hops.push({
        host: server.host,
        seenWith: 'netstat',
        src: server.socket.remote,
        dst: server.socket.local,
        state: server.socket.state,
        seen: server.moment,
      });
    }
    pictures.push({ protocol, hops });
  }
  return pictures;
}

/** A table a student reads top to bottom: the same connection, hop by hop. */
export function formatPicture(picture: ConnectionPicture): string {
  const rows = picture.hops.map((hop) => [
    `${hop.host}${hop.direction ? ` ${hop.direction}` : ''}`,
    hop.seenWith,
    hop.seen,
    endpointText(hop.src),
    endpointText(hop.dst),
    [hop.state, hop.note].filter(Boolean).join('; '),
  ]);
  const header = ['where', 'seen with', 'when', 'source', 'destination', ''];
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [`${picture.protocol.toUpperCase()} connection`, line(header), ...rows.map(line)].join('\n');
}
