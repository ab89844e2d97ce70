// The ladder of one conversation: a lane per host, an arrow per hop of every packet, each
// translation marked at the router that made it. Plain SVG with a style of its own (light
// and dark), so it stands alone in docs; report.html restyles it and steps through its hops
// (`details`, one per arrow, in order).
import type { ResultsValue } from './results.js';
import { escapeXml } from './topology.js';

export type Conversation = ResultsValue['journeys'][number]['conversations'][number];
type JourneyHop = Conversation['packets'][number]['hops'][number];

const esc = escapeXml;
const address = (a: { ip: string; port?: number }) => (a.port === undefined ? a.ip : `${a.ip}:${a.port}`);

const LANE = 190;
const ROW = 46;
const LADDER_TOP = 40;

/** One hop of one packet, as the step control shows it. */
export interface HopDetail {
  packet: number;
  hop: number;
  hops: number;
  network: string;
  from: string;
  to?: string;
  src: string;
  dst: string;
  ms: string;
  protocol: string;
  flags?: string;
  seq?: string;
  ack?: string;
  ttl: number;
  ipId: number;
  length: number;
  info: string;
  rewritten?: string;
}

function hopLabel(packet: Conversation['packets'][number], hop: JourneyHop): string {
  return `${address(hop.src)} → ${address(hop.dst)}${packet.flags ? ` [${packet.flags}]` : ` ${packet.protocol}`}`;
}

/** The ladder of one conversation: a lane per host, an arrow per hop, each translation marked where it happens. */
export function ladder(conversation: Conversation, id = 'ladder'): { svg: string; details: HopDetail[] } {
  const lanes = conversation.lanes;
  const laneX = (host: string) => 90 + lanes.indexOf(host) * LANE;
  const start = conversation.packets[0]?.hops[0]?.time ?? 0;
  const rows: string[] = [];
  const details: HopDetail[] = [];
  let y = LADDER_TOP + 30;
  for (const packet of conversation.packets) {
    packet.hops.forEach((hop, hopIndex) => {
      const step = details.length;
      const x1 = laneX(hop.from);
      const x2 = hop.to ? laneX(hop.to) : x1 + (x1 + LANE / 2 > laneX(lanes[lanes.length - 1]!) ? -LANE / 2 : LANE / 2);
      const mid = (x1 + x2) / 2;
      rows.push(
        [
          `<g class="hop" data-step="${step}" data-from="${esc(hop.from)}" data-to="${esc(hop.to ?? '')}" data-network="${esc(hop.network)}" tabindex="-1">`,
          `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#${id}-arrow)"${hop.to ? '' : ' stroke-dasharray="4 3"'}/>`,
          `<text class="label" x="${mid}" y="${y - 6}" text-anchor="middle">${esc(hopLabel(packet, hop))}</text>`,
          hop.rewritten
            ? `<text class="rewrite" x="${x1 + (x2 > x1 ? 6 : -6)}" y="${y + 15}" text-anchor="${x2 > x1 ? 'start' : 'end'}">${esc(`${hop.rewritten.what} rewritten at ${hop.rewritten.at}`)}</text>`
            : '',
          `<text class="index" x="8" y="${y + 4}">${packet.index}.${hopIndex + 1}</text>`,
          '</g>',
        ].join(''),
      );
      details.push({
        packet: packet.index,
        hop: hopIndex + 1,
        hops: packet.hops.length,
        network: hop.network,
        from: hop.from,
        ...(hop.to ? { to: hop.to } : {}),
        src: address(hop.src),
        dst: address(hop.dst),
        ms: ((hop.time - start) * 1000).toFixed(3),
        protocol: packet.protocol,
        ...(packet.flags ? { flags: packet.flags } : {}),
        ...(packet.seq ? { seq: packet.seq } : {}),
        ...(packet.ack ? { ack: packet.ack } : {}),
        ttl: hop.ttl,
        ipId: packet.ipId,
        length: packet.length,
        info: packet.info,
        ...(hop.rewritten
          ? { rewritten: `${hop.rewritten.what} rewritten at ${hop.rewritten.at}: ${hop.rewritten.before} became ${hop.rewritten.after}` }
          : {}),
      });
      y += ROW;
    });
  }
  const width = 90 + Math.max(1, lanes.length - 1) * LANE + 110;
  const height = y + 10;
  const heads = lanes.map(
    (host) =>
      `<g class="lane" data-host="${esc(host)}"><text class="name" x="${laneX(host)}" y="${LADDER_TOP - 14}" text-anchor="middle">${esc(host)}</text><line x1="${laneX(host)}" y1="${LADDER_TOP - 6}" x2="${laneX(host)}" y2="${height}"/></g>`,
  );
  const svg = [
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Packets between ${esc(lanes.join(', '))}">`,
    `<style>${LADDER_STYLE}</style>`,
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>`,
    ...heads,
    ...rows,
    '</svg>',
  ].join('\n');
  return { svg, details };
}

/** Enough style for the SVG alone (docs); report.html overrides it with its colours. */
const LADDER_STYLE = [
  'text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1f2328}',
  '.name{font-weight:bold}',
  '.lane line{stroke:#d1d9e0;stroke-width:2}',
  '.hop line{stroke:#59636e;stroke-width:1.5}',
  'marker path{fill:#59636e}',
  '.rewrite{fill:#8250df;font-style:italic}',
  '.index{fill:#59636e}',
  '@media (prefers-color-scheme:dark){text{fill:#e6edf3}.lane line{stroke:#3d444d}.hop line{stroke:#9198a1}marker path{fill:#9198a1}.rewrite{fill:#ab7df8}.index{fill:#9198a1}}',
].join('');
