// report.md: a run for course notes and issue trackers. The topology as a Mermaid diagram
// (rendered by the usual Markdown hosts), the journey's translations, who saw what, and the
// expectations with their verdicts.
import type { ResultsValue, TopologyValue } from './results.js';

/** Mermaid takes quoted labels; quotes inside become #quot;. */
const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function topologyMermaid(topology: TopologyValue): string {
  const lines = ['flowchart LR'];
  for (const network of topology.networks) lines.push(`  net_${network.name.replace(/-/g, '_')}[(${label(`${network.name}<br>${network.subnet}`)})]`);
  for (const host of topology.hosts) {
    const id = `host_${host.name.replace(/-/g, '_')}`;
    const details = [host.role === 'router' ? `${host.name} (router)` : host.name, ...host.nat.map((rule) => `NAT: ${rule}`)];
    lines.push(`  ${id}[${label(details.join('<br>'))}]`);
    for (const [network, ip] of Object.entries(host.addresses)) lines.push(`  ${id} ---|${label(ip)}| net_${network.replace(/-/g, '_')}`);
  }
  return lines.join('\n');
}

export function reportMarkdown(results: ResultsValue): string {
  const failed = results.verdicts.filter((verdict) => verdict.failures.length > 0);
  const out: string[] = [
    `# ${results.scenario}: ${results.passed ? 'passed' : 'failed'}`,
    '',
    ...(results.description ? [results.description, ''] : []),
    `${results.verdicts.length - failed.length} passed, ${failed.length} failed, ${results.seconds.toFixed(1)} s (run ${results.runId}, \`${results.file}\`)${results.error ? `; stopped early: ${results.error}` : ''}.`,
    '',
    '## Topology',
    '',
    '```mermaid',
    topologyMermaid(results.topology),
    '```',
    '',
  ];
  const rewrites = results.journeys.flatMap((capture) =>
    capture.conversations.flatMap((conversation) =>
      conversation.packets.flatMap((packet) => packet.hops.flatMap((hop) => (hop.rewritten ? [{ conversation, packet, hop, rewritten: hop.rewritten }] : []))),
    ),
  );
  if (rewrites.length) {
    out.push('## Translations seen in the captures', '', '| packet | at | rewrote | before | after |', '|---|---|---|---|---|');
    // The first few: a handshake shows the rule; the rest repeat it.
    for (const { conversation, packet, rewritten } of rewrites.slice(0, 12)) {
      out.push(
        `| ${cell(`${conversation.protocol.toUpperCase()} ${packet.index}${packet.flags ? ` [${packet.flags}]` : ''}`)} | ${cell(rewritten.at)} | ${rewritten.what} | ${cell(rewritten.before)} | ${cell(rewritten.after)} |`,
      );
    }
    if (rewrites.length > 12) out.push('', `... and ${rewrites.length - 12} more in report.html.`);
    out.push('');
  }
  if (results.whoSeesWhat.length) {
    out.push('## Who sees what', '');
    for (const picture of results.whoSeesWhat) {
      out.push(`${picture.protocol.toUpperCase()} connection:`, '', '| where | seen with | when | source | destination | |', '|---|---|---|---|---|---|');
      for (const hop of picture.hops) {
        out.push(
          `| ${cell(`${hop.host}${hop.direction ? ` ${hop.direction}` : ''}`)} | ${hop.seenWith} | ${cell(hop.seen)} | ${hop.src.ip}:${hop.src.port} | ${hop.dst.ip}:${hop.dst.port} | ${cell([hop.state, hop.note].filter(Boolean).join('; '))} |`,
        );
      }
      out.push('');
    }
  }
  out.push('## Expectations', '');
  if (results.verdicts.length === 0) out.push('This scenario checks no expectations.');
  for (const verdict of results.verdicts) {
    const where = `${verdict.step}${verdict.host ? ` on ${verdict.host}` : ''}`;
    out.push(`- ${verdict.failures.length ? '✘' : '✔'} ${verdict.subject} (${where})${verdict.failures.map((failure) => `\n  - ${failure}`).join('')}`);
  }
  return `${out.join('\n')}\n`;
}
