// report.html: one self-contained page for a run, made from its results. No requests leave
// it (no scripts, fonts or images from elsewhere): the topology and the journeys are inline
// SVG, the style and the little script that steps through packets are in the page. Light or
// dark by the system's choice, a keyboard to step (← →), and a print style that shows all.
import { ladder } from './ladder.js';
import type { ResultsValue } from './results.js';
import { escapeXml, topologySvg } from './topology.js';

const esc = escapeXml;

function journeySection(results: ResultsValue): string {
  const parts: string[] = [];
  let count = 0;
  for (const capture of results.journeys) {
    for (const conversation of capture.conversations) {
      // A conversation seen on one host only has no journey to follow.
      if (conversation.lanes.length < 2) continue;
      const id = `journey-${count++}`;
      const { svg, details } = ladder(conversation, id);
      parts.push(
        [
          `<section class="journey" id="${id}" data-journey>`,
          `<h3>${esc(conversation.protocol.toUpperCase())} ${esc(conversation.from)} → ${esc(conversation.to)} <small>(${esc(capture.step)}; ${conversation.packets.length} packet(s)${conversation.more ? `, ${conversation.more} more not drawn` : ''})</small></h3>`,
          `<div class="controls"><button type="button" data-move="-1" aria-label="previous packet">◀ previous</button> <span class="position" aria-live="polite"></span> <button type="button" data-move="1" aria-label="next packet">next ▶</button></div>`,
          `<dl class="headers"></dl>`,
          `<div class="scroll">${svg}</div>`,
          `<script type="application/json" class="hops">${JSON.stringify(details).replace(/</g, '\\u003c')}</script>`,
          '</section>',
        ].join('\n'),
      );
    }
  }
  if (parts.length === 0) {
    return '<p class="none">No capture of this run crossed more than one host. A <code>capture: all</code> step records every segment a conversation crosses, and its journey shows here.</p>';
  }
  return parts.join('\n');
}

function eventsSection(results: ResultsValue): string {
  const out: string[] = [];
  let output: string[] = [];
  const flush = () => {
    if (output.length) out.push(`<pre class="output">${output.join('\n')}</pre>`);
    output = [];
  };
  for (const event of results.events) {
    if (event.kind === 'output') {
      output.push(`<span class="host">${esc(event.host)}</span> | <span class="${event.stream}">${esc(event.line)}</span>`);
      continue;
    }
    flush();
    if (event.kind === 'step') out.push(`<h3 class="step">▶ ${esc(event.label)} <span>${esc(event.description)}</span></h3>`);
    else if (event.kind === 'info') out.push(`<p class="info">${esc(event.message)}</p>`);
    else if (event.kind === 'observation') out.push(`<h4>${esc(event.host)}: ${esc(event.title)}</h4><pre>${esc(event.text)}</pre>`);
    else if (event.kind === 'verdict') out.push(verdictLine(event.verdict));
    else if (event.kind === 'section') out.push(`<h4>${esc(event.title)}</h4><pre>${esc(event.text)}</pre>`);
    else out.push(`<p class="info">(${event.count} more event(s) not kept: ${esc(event.why)})</p>`);
  }
  flush();
  return out.join('\n');
}

function verdictLine(verdict: ResultsValue['verdicts'][number]): string {
  const ok = verdict.failures.length === 0;
  const where = `${verdict.step}${verdict.host ? ` on ${verdict.host}` : ''}`;
  return `<p class="verdict ${ok ? 'pass' : 'fail'}">${ok ? '✔' : '✘'} ${esc(verdict.subject)} <small>(${esc(where)})</small>${verdict.failures.map((failure) => `<br><span class="why">${esc(failure)}</span>`).join('')}</p>`;
}

function whoSeesWhatSection(results: ResultsValue): string {
  if (results.whoSeesWhat.length === 0) return '<p class="none">No router of this lab translates addresses.</p>';
  return results.whoSeesWhat
    .map((picture) => {
      const rows = picture.hops.map(
        (hop) =>
          `<tr><td>${esc(hop.host)}${hop.direction ? ` ${hop.direction}` : ''}</td><td>${esc(hop.seenWith)}</td><td>${esc(hop.seen)}</td><td>${esc(`${hop.src.ip}:${hop.src.port}`)}</td><td>${esc(`${hop.dst.ip}:${hop.dst.port}`)}</td><td>${esc([hop.state, hop.note].filter(Boolean).join('; '))}</td></tr>`,
      );
      return `<div class="scroll"><table><caption>${esc(picture.protocol.toUpperCase())} connection</caption><thead><tr><th>where</th><th>seen with</th><th>when</th><th>source</th><th>destination</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
    })
    .join('\n');
}

export function reportHtml(results: ResultsValue): string {
  const failed = results.verdicts.filter((verdict) => verdict.failures.length > 0).length;
  const verdict = results.passed ? 'passed' : 'failed';
  const summary = `${results.verdicts.length - failed} passed, ${failed} failed, ${results.seconds.toFixed(1)} s${results.error ? `; stopped early: ${results.error}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(results.scenario)}: ${verdict} (socklab run ${esc(results.runId)})</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(results.scenario)} <span class="badge ${verdict}">${verdict}</span></h1>
${results.description ? `<p>${esc(results.description)}</p>` : ''}
<p class="meta">${esc(summary)} · run ${esc(results.runId)} · ${esc(results.file)}</p>
<nav><a href="#topology">Topology</a> <a href="#journey">Journey</a> <a href="#steps">Steps</a> <a href="#who-sees-what">Who sees what</a> <a href="#expectations">Expectations</a></nav>
</header>
<main>
<section id="topology"><h2>Topology</h2><div class="scroll">${topologySvg(results.topology)}</div></section>
<section id="journey"><h2>Journey</h2>
<p class="hint">Each captured packet, hop by hop, with the addresses it really carried there. Step with the buttons or the ← and → keys; the hop lights up on the topology.</p>
${journeySection(results)}
</section>
<section id="steps"><h2>Steps</h2>${eventsSection(results)}</section>
<section id="who-sees-what"><h2>Who sees what</h2>${whoSeesWhatSection(results)}</section>
<section id="expectations"><h2>Expectations</h2>${results.verdicts.length ? results.verdicts.map(verdictLine).join('\n') : '<p class="none">This scenario checks no expectations.</p>'}</section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const PAGE_STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--accent:#0969da;--router:#8250df;--pass:#1a7f37;--fail:#cf222e;--hot:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--accent:#4493f8;--router:#ab7df8;--pass:#3fb950;--fail:#f85149;--hot:#f85149}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:0 16px}
h1{margin:16px 0 4px}.meta,.hint,small,.info{color:var(--muted)}
nav a{margin-right:12px;color:var(--accent)}
.badge{font-size:14px;padding:2px 10px;border-radius:12px;color:#fff;vertical-align:middle}.badge.passed{background:var(--pass)}.badge.failed{background:var(--fail)}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px;overflow:auto;font-size:13px}
.host{color:var(--accent)}.stderr{color:var(--fail)}
.verdict{overflow-wrap:anywhere}.verdict.pass{color:var(--pass)}.verdict.fail{color:var(--fail)}.why{color:var(--fg);margin-left:1.5em}
table{border-collapse:collapse;margin:8px 0;font-size:13px}caption{text-align:left;font-weight:bold}
td,th{border:1px solid var(--line);padding:3px 8px;text-align:left;font-family:ui-monospace,monospace}
.scroll{overflow:auto;max-width:100%}
svg text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--fg)}
svg .role{fill:var(--router)}svg .impair{fill:var(--fail)}
.topology .network line{stroke:var(--accent)}.topology .link{stroke:var(--accent)}
.topology .host rect{fill:var(--panel);stroke:var(--muted)}.topology .host.router rect{fill:var(--panel);stroke:var(--router)}
.topology .host.highlight rect{stroke:var(--hot);stroke-width:3}.topology .network.highlight line{stroke:var(--hot);stroke-width:6}
.ladder .lane line{stroke:var(--line);stroke-width:2}.ladder .hop line{stroke:var(--muted);stroke-width:1.5}
.ladder marker path{fill:var(--muted)}.ladder .rewrite{fill:var(--router);font-style:italic}.ladder .index{fill:var(--muted)}
.ladder .hop.current line{stroke:var(--hot);stroke-width:3}.ladder .hop.current text.label{fill:var(--hot);font-weight:bold}
.controls button{font:inherit;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--fg);cursor:pointer}
.controls button:focus-visible{outline:2px solid var(--accent)}
dl.headers{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px;font-size:13px}
dl.headers dt{color:var(--muted)}dl.headers dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
@media print{nav,.controls,.hint{display:none}.scroll{overflow:visible}pre{white-space:pre-wrap}body{font-size:12px}}
`;

/** Steps through each journey's hops; highlights the hop on the ladder and its hosts and network on the topology. */
const PAGE_SCRIPT = `
(function () {
  var topology = document.querySelector('svg.topology');
  var journeys = Array.prototype.slice.call(document.querySelectorAll('[data-journey]'));
  var active = journeys[0];
  function light(detail) {
    if (!topology) return;
    Array.prototype.forEach.call(topology.querySelectorAll('.highlight'), function (el) { el.classList.remove('highlight'); });
    [detail.from, detail.to].forEach(function (host) {
      var box = host && topology.querySelector('.host[data-host="' + host + '"]');
      if (box) box.classList.add('highlight');
    });
    var net = topology.querySelector('.network[data-network="' + detail.network + '"]');
    if (net) net.classList.add('highlight');
  }
  function show(section, index) {
    var hops = JSON.parse(section.querySelector('script.hops').textContent);
    if (!hops.length) return;
    index = Math.max(0, Math.min(hops.length - 1, index));
    section.dataset.current = String(index);
    var d = hops[index];
    Array.prototype.forEach.call(section.querySelectorAll('.hop'), function (el) { el.classList.toggle('current', el.dataset.step === String(index)); });
    section.querySelector('.position').textContent = 'packet ' + d.packet + ', hop ' + d.hop + ' of ' + d.hops + ' (' + (index + 1) + ' of ' + hops.length + ')';
    var rows = [['network', d.network], ['from', d.from + (d.to ? ' to ' + d.to : ' (not recorded further)')], ['source', d.src], ['destination', d.dst],
      ['protocol', d.protocol + (d.flags ? ' [' + d.flags + ']' : '')], ['seq / ack', (d.seq || '-') + ' / ' + (d.ack || '-')], ['TTL', d.ttl], ['IP id', d.ipId],
      ['length', d.length], ['time', '+' + d.ms + ' ms'], ['tcpdump', d.info]];
    if (d.rewritten) rows.push(['NAT', d.rewritten]);
    var dl = section.querySelector('dl.headers');
    dl.textContent = '';
    rows.forEach(function (row) { var dt = document.createElement('dt'); dt.textContent = row[0]; var dd = document.createElement('dd'); dd.textContent = String(row[1]); dl.appendChild(dt); dl.appendChild(dd); });
    light(d);
  }
  journeys.forEach(function (section) {
    show(section, 0);
    section.addEventListener('click', function (event) {
      active = section;
      var button = event.target.closest('button[data-move]');
      if (button) show(section, Number(section.dataset.current) + Number(button.dataset.move));
      var hop = event.target.closest('.hop');
      if (hop) show(section, Number(hop.dataset.step));
    });
  });
  document.addEventListener('keydown', function (event) {
    if (!active || event.altKey || event.ctrlKey || event.metaKey) return;
    var move = event.key === 'ArrowRight' || event.key === 'j' ? 1 : event.key === 'ArrowLeft' || event.key === 'k' ? -1 : 0;
    if (!move) return;
    event.preventDefault();
    show(active, Number(active.dataset.current) + move);
  });
  if (active) light(JSON.parse(active.querySelector('script.hops').textContent)[0] || {});
})();
`;
