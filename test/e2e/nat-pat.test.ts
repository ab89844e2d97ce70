// Seed 004's NAT/PAT for real. The lesson passes and its who-sees-what picture
// joins all four views of one connection; without the port forward the same lesson fails
// (negative control); the capture opens in tshark and shows the translation on the wire.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { loadScenario } from '../../src/scenario/load.js';
import { RecordingReporter } from '../../src/lab/reporter.js';
import { runLesson, type RunOutcome } from '../../src/session/lesson.js';
import { findLeftovers, ROOT } from './helpers.js';

const runtime = new DockerRuntime();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'socklab-nat-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function run(file: string): Promise<{ outcome: RunOutcome; reporter: RecordingReporter }> {
  const reporter = new RecordingReporter();
  const outcome = await runLesson({ runtime, loaded: await loadScenario(file), image: labImageRef(), reporter, outputRoot: work });
  expect(await findLeftovers(runtime, outcome.runId)).toEqual([]);
  return { outcome, reporter };
}

const serverLines = (reporter: RecordingReporter) =>
  reporter.events.flatMap((event) => (event.kind === 'output' && event.host === 'server' ? [event.line] : []));

describe('scenarios/nat-pat.yaml', () => {
  let outcome: RunOutcome;
  let reporter: RecordingReporter;

  beforeAll(async () => {
    ({ outcome, reporter } = await run(join(ROOT, 'scenarios/nat-pat.yaml')));
  });

  it('passes its expectations, and the server sees the client as router A, never as 192.168.0.10', () => {
    expect(outcome.error).toBeUndefined();
    expect(outcome.verdicts.filter((v) => v.failures.length > 0)).toEqual([]);
    expect(outcome.verdicts.length).toBeGreaterThanOrEqual(6);
    const peers = serverLines(reporter).filter((line) => line.startsWith('connection from'));
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatch(/^connection from 203\.0\.113\.1:\d+$/);
    expect(serverLines(reporter).join('\n')).not.toContain('192.168.0.10');
  });

  it('shows all four views of the same connection with matching ports', () => {
    expect(outcome.whoSeesWhat).toHaveLength(1);
    const hops = outcome.whoSeesWhat[0]!.hops;
    const hop = (host: string, direction?: 'in' | 'out') => {
      const found = hops.find((h) => h.host === host && h.direction === direction);
      expect(found, `${host} ${direction ?? ''} in ${JSON.stringify(hops)}`).toBeDefined();
      return found!;
    };
    const client = hop('client');
    const aIn = hop('routerA', 'in');
    const aOut = hop('routerA', 'out');
    const bIn = hop('routerB', 'in');
    const bOut = hop('routerB', 'out');
    const server = hop('server');

    expect(client.seenWith).toBe('netstat');
    expect(client.src.ip).toBe('192.168.0.10');
    expect(client.dst).toEqual({ ip: '203.0.113.3', port: 80 });
    expect(aIn.src).toEqual(client.src);
    expect(aOut.src.ip).toBe('203.0.113.1');
    expect(bIn.src).toEqual(aOut.src);
    expect(bIn.dst).toEqual({ ip: '203.0.113.3', port: 80 });
    expect(bOut.dst).toEqual({ ip: '10.10.10.67', port: 60001 });
    expect(server.seenWith).toBe('netstat');
    expect(server.src).toEqual(aOut.src);
    expect(server.dst).toEqual({ ip: '10.10.10.67', port: 60001 });

    // Every hop says when it was seen.
    for (const seen of hops.map((each) => each.seen)) expect(seen).toMatch(/^(step [\d.]+|end of run)$/);
    const printed = reporter.events.find((e) => e.kind === 'section' && e.title === 'who sees what');
    expect(printed && 'text' in printed ? printed.text : '').toContain(`203.0.113.1:${aOut.src.port}`);
  });

  it('writes a pcap that tshark reads, with the SYN on both sides of router A', () => {
    const pcap = join(outcome.outputDir, 'routerA.pcap');
    const syns = execFileSync(
      'tshark',
      ['-r', pcap, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.dstport'],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(syns).toHaveLength(2);
    expect(syns.map(([src]) => src).sort()).toEqual(['192.168.0.10', '203.0.113.1']);
    for (const [, dst, port] of syns) expect([dst, port]).toEqual(['203.0.113.3', '80']);
    const fins = execFileSync('tshark', ['-r', pcap, '-Y', 'tcp.flags.fin == 1', '-T', 'fields', '-e', 'ip.src'], { encoding: 'utf8' });
    expect(fins.trim().split('\n').length).toBeGreaterThanOrEqual(4); // both FINs, on both sides
  });
});

describe('negative control: nat-pat without the port forward', () => {
  it('fails, because the client cannot connect: router B refuses port 80', async () => {
    const doc = parseDocument(await readFile(join(ROOT, 'scenarios/nat-pat.yaml'), 'utf8'));
    doc.deleteIn(['hosts', 'routerB', 'nat']);
    doc.setIn(['name'], 'nat-pat-no-forward');
    const file = join(work, 'nat-pat-no-forward.yaml');
    await writeFile(file, doc.toString());
    const { outcome } = await run(file);
    expect(outcome.passed).toBe(false);
    // The client never gets the greeting it is waited for: the run stops there, saying why.
    expect(outcome.error?.message).toMatch(/the program ended \(exited 1\) before .*connect to 203\.0\.113\.3:80 failed: ECONNREFUSED/s);
  });
});
