// The topology as SVG: each network a vertical bus with its name and subnet, each host a box
// with its addresses (routers between the networks they join, with their NAT rules). Plain
// SVG with classes and data attributes, so a page can style it (light or dark) and highlight
// a host or a network; the same drawing goes into docs/lessons.
import type { TopologyValue } from './results.js';

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLUMN = 290;
const MARGIN = 24;
const TOP = 76;
const BOX_WIDTH = 230;
/** Characters of a box's line (12px monospace in BOX_WIDTH). */
const WRAP = 31;
const LINE = 16;
const GAP = 22;

/** Networks in an order where routers join neighbours: breadth first from the first network. */
function networkOrder(topology: TopologyValue): string[] {
  const names = topology.networks.map((network) => network.name);
  const order: string[] = [];
  for (const start of names) {
    if (order.includes(start)) continue;
    const queue = [start];
    while (queue.length) {
      const network = queue.shift()!;
      if (order.includes(network)) continue;
      order.push(network);
      for (const host of topology.hosts) {
        const on = Object.keys(host.addresses);
        if (on.includes(network)) for (const other of on) if (!order.includes(other) && names.includes(other)) queue.push(other);
      }
    }
  }
  return order;
}

function impairText(impair: Record<string, unknown> | undefined): string {
  if (!impair) return '';
  return Object.entries(impair)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
}

/** A line of a box, cut into pieces that fit its width, at spaces where it can. */
function wrap(line: string): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > WRAP) {
    const cut = rest.lastIndexOf(' ', WRAP);
    const at = cut > WRAP / 2 ? cut : WRAP;
    pieces.push(rest.slice(0, at));
    rest = `  ${rest.slice(at).trimStart()}`;
  }
  return [...pieces, rest];
}

/** The lines of a host's box: name, then what a reader needs to know of it. */
function hostLines(host: TopologyValue['hosts'][number]): string[] {
  return [
    ...Object.entries(host.addresses).map(([network, ip]) => `${ip} (${network})`),
    ...host.nat.map((rule) => `NAT: ${rule}`),
    ...(host.defaultRoute ? [`default via ${host.defaultRoute}`] : []),
    ...host.routes.map((route) => `route ${route}`),
    ...Object.entries(host.impair ?? {}).map(([network, impair]) => `${network}: ${impairText(impair as Record<string, unknown>)}`),
  ];
}

export function topologySvg(topology: TopologyValue): string {
  const order = networkOrder(topology);
  const busX = (network: string) => MARGIN + order.indexOf(network) * COLUMN + 8;
  let top = TOP;
  const boxes: string[] = [];
  const links: string[] = [];
  let bottom = TOP;
  for (const host of topology.hosts) {
    const on = Object.keys(host.addresses).filter((network) => order.includes(network));
    if (on.length === 0) continue;
    const columns = on.map(busX);
    const joins = on.length > 1;
    const x = joins
      ? (Math.min(...columns) + Math.max(...columns)) / 2 - BOX_WIDTH / 2 + (Math.max(...columns) === Math.min(...columns) ? 30 : 0)
      : columns[0]! + 26;
    // One row per host, in the scenario's order: boxes between networks never cover others.
    const y = top;
    const lines = hostLines(host).flatMap(wrap);
    const height = 28 + lines.length * LINE + 8;
    top = y + height + GAP;
    bottom = Math.max(bottom, y + height);
    const linkY = y + 18;
    for (const network of on) {
      const bus = busX(network);
      const edge = bus < x ? x : x + BOX_WIDTH;
      links.push(
        `<line class="link" data-host="${escapeXml(host.name)}" data-network="${escapeXml(network)}" x1="${bus}" y1="${linkY}" x2="${edge}" y2="${linkY}"/>`,
      );
    }
    boxes.push(
      [
        `<g class="host ${host.role}" id="host-${escapeXml(host.name)}" data-host="${escapeXml(host.name)}">`,
        `<title>${escapeXml(host.description ?? host.name)}</title>`,
        `<rect x="${x}" y="${y}" width="${BOX_WIDTH}" height="${height}" rx="8"/>`,
        `<text class="name" x="${x + 10}" y="${y + 19}">${escapeXml(host.name)}${host.role === 'router' ? ' <tspan class="role">router</tspan>' : ''}</text>`,
        ...lines.map((line, index) => `<text x="${x + 10}" y="${y + 38 + index * LINE}">${escapeXml(line)}</text>`),
        '</g>',
      ].join(''),
    );
  }
  const height = bottom + MARGIN;
  const buses = order.map((name) => {
    const network = topology.networks.find((candidate) => candidate.name === name)!;
    const x = busX(name);
    const impair = impairText(network.impair as Record<string, unknown> | undefined);
    return [
      `<g class="network" id="network-${escapeXml(name)}" data-network="${escapeXml(name)}">`,
      `<title>${escapeXml(network.description ?? name)}</title>`,
      `<line x1="${x}" y1="${TOP - 12}" x2="${x}" y2="${height - MARGIN / 2}"/>`,
      `<text class="name" x="${x - 6}" y="${MARGIN + 4}">${escapeXml(name)}</text>`,
      `<text x="${x - 6}" y="${MARGIN + 20}">${escapeXml(network.subnet)}</text>`,
      impair ? `<text class="impair" x="${x - 6}" y="${MARGIN + 36}">${escapeXml(impair)}</text>` : '',
      '</g>',
    ].join('');
  });
  const width = MARGIN * 2 + Math.max(1, order.length - 1) * COLUMN + BOX_WIDTH + 40;
  return [
    `<svg class="topology" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Topology: ${order.length} network(s), ${topology.hosts.length} host(s)">`,
    `<style>${TOPOLOGY_STYLE}</style>`,
    ...buses,
    ...links,
    ...boxes,
    '</svg>',
  ].join('\n');
}

/** Enough style for the SVG alone (docs); a page may override it with its colours. */
const TOPOLOGY_STYLE = [
  'text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1f2328}',
  '.name{font-weight:bold}',
  '.role{font-weight:normal;fill:#8250df}',
  '.impair{fill:#bc4c00}',
  '.network line{stroke:#0969da;stroke-width:4}',
  '.link{stroke:#0969da;stroke-width:2}',
  '.host rect{fill:#f6f8fa;stroke:#57606a}',
  '.host.router rect{fill:#fbefff;stroke:#8250df}',
  '.host.highlight rect{stroke:#cf222e;stroke-width:3}',
  '.network.highlight line{stroke:#cf222e}',
  '@media (prefers-color-scheme:dark){text{fill:#e6edf3}.host rect{fill:#151b23;stroke:#9198a1}.host.router rect{fill:#21162e;stroke:#ab7df8}.role{fill:#ab7df8}}',
].join('');
