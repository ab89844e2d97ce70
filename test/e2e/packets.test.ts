// Packet expectations count what a real capture recorded, with tcpdump's own filter
// language: held and failed counts, the packets a failure shows, a filter tcpdump refuses.
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();

describe('packets expectations', () => {
  it('count the packets of an ended capture that match a filter, and say why a count fails', async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/packets.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/✔ capture 'wire' on lan: exactly 1 packet\(s\) matching "udp and dst host 10\.97\.50\.10 and dst port 9"/);
    expect(run.stdout).toMatch(/✔ capture 'wire': at least 1 packet\(s\) matching "icmp\[icmptype\] == icmp-unreach"/);
    expect(run.stdout).toMatch(/✔ capture 'wire': no packet matching "tcp"/);
    // The failed count names how many there were and shows them.
    expect(run.stdout).toMatch(
      /exactly 3 packet\(s\) matching "udp and dst port 9": 1 matching packet\(s\): \S+ IP 10\.97\.50\.20\.\d+ > 10\.97\.50\.10\.9: UDP/,
    );
    expect(run.stdout).toMatch(/tcpdump refused the filter "udp and \(port 9": tcpdump: .*syntax error/);
    expect(run.stdout).toMatch(/✘ 4 passed, 2 failed/);
    expect(await findLeftovers(runtime, runIdOf(run.stdout))).toEqual([]);
  }, 120_000);
});

describe('a capture on every host', () => {
  it('records each packet on every segment it crosses, before and after the router rewrites it', async () => {
    const run = await runCli(['run', 'test/e2e/scenarios/journey.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/▶ step 2 capture packets on 3 hosts \(client, router, server\) \(lan, internet\)/);
    for (const file of ['client-lan', 'router-lan', 'router-internet', 'server-internet']) expect(run.stdout).toContain(`${file}.pcap`);
    expect(run.stdout).toMatch(/✔ 4 passed, 0 failed/);
    expect(await findLeftovers(runtime, runIdOf(run.stdout))).toEqual([]);
  }, 120_000);
});
