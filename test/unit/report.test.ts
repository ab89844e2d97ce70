// The run's report: the journey followed across hops (both ends recorded, one end recorded,
// a capture of all interfaces), report.html self-contained, report.md with Mermaid, and the
// published results schema up to date.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePackets } from '../../src/observe/packets.js';
import { journey } from '../../src/report/journey.js';
import { buildResults } from '../../src/report/build.js';
import { reportHtml } from '../../src/report/html.js';
import { reportMarkdown } from '../../src/report/markdown.js';
import { resultsJsonSchemaText } from '../../src/report/results.js';

const header = (time: string, id: number, ttl: number, iface = '') =>
  `${time} ${iface}IP (tos 0x0, ttl ${ttl}, id ${id}, offset 0, flags [DF], proto TCP (6), length 60)`;
const syn = (src: string, dst: string) => `    ${src} > ${dst}: Flags [S], cksum 0x1 (incorrect -> 0x2), seq 100, win 64240, length 0`;
const synAck = (src: string, dst: string) => `    ${src} > ${dst}: Flags [S.], cksum 0x1 (incorrect -> 0x2), seq 500, ack 101, win 65160, length 0`;

const SCENARIO = {
  name: 'unit-report',
  networks: { lan: { subnet: '192.168.0.0/24' }, internet: { subnet: '203.0.113.0/24' } },
  hosts: {
    client: { role: 'host' as const, networks: { lan: '192.168.0.10' }, default_route: '192.168.0.1' },
    router: { role: 'router' as const, networks: { lan: '192.168.0.1', internet: '203.0.113.1' }, nat: [{ masquerade: { out: 'internet' } }] },
    server: { role: 'host' as const, networks: { internet: '203.0.113.80' } },
  },
};
const book = (network: string, ip: string) => Object.entries(SCENARIO.hosts).find(([, host]) => (host.networks as Record<string, string>)[network] === ip)?.[0];

describe('journey', () => {
  it('follows a SYN from the client through the NAT to the server, and its answer back, recorded on every host', () => {
    const conversations = journey([
      {
        host: 'client',
        network: 'lan',
        records: parsePackets(
          [header('10.000', 7, 64), syn('192.168.0.10.5000', '203.0.113.80.80'), header('10.003', 0, 63), synAck('203.0.113.80.80', '192.168.0.10.5000')].join(
            '\n',
          ),
        ),
      },
      {
        host: 'router',
        network: 'lan',
        records: parsePackets(
          [header('10.001', 7, 64), syn('192.168.0.10.5000', '203.0.113.80.80'), header('10.0029', 0, 63), synAck('203.0.113.80.80', '192.168.0.10.5000')].join(
            '\n',
          ),
        ),
      },
      {
        host: 'router',
        network: 'internet',
        records: parsePackets(
          [header('10.0011', 7, 63), syn('203.0.113.1.5000', '203.0.113.80.80'), header('10.0028', 0, 64), synAck('203.0.113.80.80', '203.0.113.1.5000')].join(
            '\n',
          ),
        ),
      },
      {
        host: 'server',
        network: 'internet',
        records: parsePackets(
          [header('10.0012', 7, 63), syn('203.0.113.1.5000', '203.0.113.80.80'), header('10.0027', 0, 64), synAck('203.0.113.80.80', '203.0.113.1.5000')].join(
            '\n',
          ),
        ),
      },
    ]);
    expect(conversations).toHaveLength(1);
    const [conversation] = conversations;
    expect(conversation).toMatchObject({ protocol: 'tcp', from: '192.168.0.10:5000', to: '203.0.113.80:80', lanes: ['client', 'router', 'server'], more: 0 });
    const [first, second] = conversation!.packets;
    expect(first!.hops.map(({ network, from, to, rewritten }) => ({ network, from, to, rewritten: rewritten?.what }))).toEqual([
      { network: 'lan', from: 'client', to: 'router', rewritten: undefined },
      { network: 'internet', from: 'router', to: 'server', rewritten: 'source' },
    ]);
    expect(first!.hops[1]!.rewritten).toEqual({
      at: 'router',
      what: 'source',
      before: '192.168.0.10:5000 > 203.0.113.80:80',
      after: '203.0.113.1:5000 > 203.0.113.80:80',
    });
    expect(second!.hops.map(({ network, from, to, rewritten }) => [network, from, to, rewritten?.what])).toEqual([
      ['internet', 'server', 'router', undefined],
      ['lan', 'router', 'client', 'destination'],
    ]);
  });

  it('finds the other end by address when one host recorded on all its interfaces', () => {
    const [conversation] = journey(
      [
        {
          host: 'router',
          networksByIface: { eth1: 'lan', eth0: 'internet' },
          records: parsePackets(
            [
              header('5.0', 9, 64, 'eth1  In  '),
              syn('192.168.0.10.5000', '203.0.113.80.80'),
              header('5.0001', 9, 63, 'eth0  Out '),
              syn('203.0.113.1.5000', '203.0.113.80.80'),
            ].join('\n'),
          ),
        },
      ],
      book,
    );
    expect(conversation!.packets[0]!.hops.map(({ network, from, to }) => [network, from, to])).toEqual([
      ['lan', 'client', 'router'],
      ['internet', 'router', 'server'],
    ]);
  });

  it('takes a retransmission (the same packet again, later) as a packet of its own', () => {
    const text = [header('1.0', 7, 64), syn('192.168.0.10.5000', '203.0.113.80.80'), header('2.5', 7, 64), syn('192.168.0.10.5000', '203.0.113.80.80')].join(
      '\n',
    );
    expect(journey([{ host: 'client', network: 'lan', records: parsePackets(text) }])[0]!.packets).toHaveLength(2);
  });
});

describe('the report files', () => {
  const records = parsePackets(
    [
      header('10.0', 7, 64, 'eth1  In  '),
      syn('192.168.0.10.5000', '203.0.113.80.80'),
      header('10.0001', 7, 63, 'eth0  Out '),
      syn('203.0.113.1.5000', '203.0.113.80.80'),
    ].join('\n'),
  );
  const results = buildResults({
    scenario: { ...SCENARIO, description: 'a <b>bold</b> lesson' },
    file: 'lessons/unit.yaml',
    runId: 'abc123',
    outputDir: '/runs/unit-report-abc123',
    passed: false,
    seconds: 1.234,
    events: [
      { kind: 'step', label: 'step 1', description: 'run on client: curl <x>' },
      { kind: 'output', host: 'client', stream: 'stdout', line: 'hello & <goodbye>' },
    ],
    verdicts: [{ step: 'step 2', subject: 'client: connection', failures: ['no such connection'] }],
    whoSeesWhat: [],
    captures: [
      {
        step: 'step 1',
        hosts: [
          {
            host: 'router',
            results: [
              {
                iface: 'any',
                networksByIface: { eth1: 'lan', eth0: 'internet' },
                pcapPath: '/runs/unit-report-abc123/router.pcap',
                textPath: '/runs/unit-report-abc123/router.txt',
                packets: 2,
                capped: false,
                records,
              },
            ],
          },
        ],
      },
    ],
  });

  it('records the topology in words and the captures relative to the run folder', () => {
    expect(results.topology.hosts.find((host) => host.name === 'router')).toMatchObject({ role: 'router', nat: ['masquerade out internet, port-preserving'] });
    expect(results.captures[0]).toMatchObject({ pcap: 'router.pcap', text: 'router.txt', host: 'router' });
    expect(results.journeys[0]!.conversations[0]!.lanes).toEqual(['client', 'router', 'server']);
  });

  it('report.html: self-contained, every text escaped, the journey with its hops as data', () => {
    const html = reportHtml(results);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link\b|@import|url\((?!#)/);
    expect(html).toContain('a &lt;b&gt;bold&lt;/b&gt; lesson');
    expect(html).toContain('hello &amp; &lt;goodbye&gt;');
    expect(html).toContain('<span class="badge failed">failed</span>');
    expect(html).toContain('data-network="lan"');
    expect(html).toContain('source rewritten at router');
    expect(html).toMatch(/prefers-color-scheme:dark/);
    expect(html).toMatch(/@media print/);
  });

  it('report.md: the topology in Mermaid, the translations, the verdicts', () => {
    const markdown = reportMarkdown(results);
    expect(markdown).toContain('```mermaid\nflowchart LR');
    expect(markdown).toContain('host_router ---|"203.0.113.1"| net_internet');
    expect(markdown).toContain('| TCP 1 [S] | router | source | 192.168.0.10:5000 > 203.0.113.80:80 | 203.0.113.1:5000 > 203.0.113.80:80 |');
    expect(markdown).toContain('- ✘ client: connection (step 2)\n  - no such connection');
  });

  it('schema/results.schema.json is the schema of today (npm run schema rewrites it)', () => {
    expect(readFileSync('schema/results.schema.json', 'utf8')).toBe(resultsJsonSchemaText());
  });
});
