// Packet captures in a lab host: tcpdump runs in the host (the lab image has it), writes a
// pcap there, and on stop the pcap is streamed out next to a decoded text view; only the
// first lines of that view are kept in memory, for the console. Used by the `capture` step
// and by `socklab capture`.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { CAPTURES_DIR_IN_HOST, shellQuote } from '../in-host/contract.js';
import { LineSplitter, lineText } from '../util/bounded-output.js';
import { parsePackets, type PacketRecord } from '../observe/packets.js';
import { poll } from '../util/abort.js';
import { shortPath } from '../util/paths.js';
import type { LabAccess } from './lab.js';

export interface CaptureTarget {
  /** File name stem: HOST (all interfaces) or HOST-NETWORK. */
  name: string;
  iface: string;
  /** The network captured, when one was asked for (not for `any`). */
  network?: string;
}

export interface CaptureResult {
  name: string;
  iface: string;
  network?: string;
  /** The pcap as it stays in the host, for counting packets after the capture. */
  fileInHost: string;
  /** Which interface is on which network (eth0 = internet 203.0.113.1, ...), to read `any` captures. */
  legend: string;
  /** The same as data: interface -> network. */
  networksByIface: Record<string, string>;
  pcapPath: string;
  textPath: string;
  packets: number;
  /** The first lines of `tcpdump -n -ttttt -r` of the capture (one line per packet). */
  firstLines: string[];
  /** The packet cap was reached: later packets were not recorded. */
  capped: boolean;
  /** The first packets read in detail (addresses, IP id, TCP numbers), for the report's journey. */
  records: PacketRecord[];
}

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
/** A capture stops recording after this many packets, so a flood cannot fill the host. */
const MAX_PACKETS = 100_000;
const KEPT_LINES = 40;
/** Bytes of each packet a capture records (its snap length). */
export const SNAP_BYTES = 512;
/** Packets of each capture read in detail for the report's journey (two lines each). */
export const JOURNEY_PACKETS = 2_000;
/** What a capture records when the scenario gives no filter. */
export const DEFAULT_FILTER = 'not ip6';

/** The interface of `host` on `network` (eth0, eth1...), found by its address. */
export async function interfaceOn(lab: LabAccess, host: string, network: string, signal?: AbortSignal): Promise<string> {
  const ip = lab.host(host).ips[network];
  if (!ip) throw new Error(`host '${host}' is not on network '${network}'`);
  const found = await lab.inHost(host).command(`ip -o -4 addr show to ${ip} | awk '{print $2}' | cut -d@ -f1`, { signal });
  const iface = found.stdout.trim();
  if (found.exitCode !== 0 || !iface) throw new Error(`could not find the interface of host '${host}' on network '${network}'`);
  return iface;
}

export class Capture {
  private constructor(
    private readonly lab: LabAccess,
    readonly host: string,
    private readonly running: { target: CaptureTarget; file: string; id: string }[],
    private readonly legend: string,
    private readonly networksByIface: Record<string, string>,
  ) {}

  /**
   * Starts tcpdump on `host`: one capture per listed network, or one on all interfaces
   * ('any') when none are listed. Returns once every tcpdump is listening.
   */
  static async start(
    lab: LabAccess,
    host: string,
    options: { networks?: string[]; filter?: string; idPrefix: string; signal?: AbortSignal },
  ): Promise<Capture> {
    const inHost = lab.inHost(host);
    // Every interface of the host, once: for the targets and for the legend of `any` captures.
    const networks = Object.entries(lab.host(host).ips);
    const ifaces = new Map(await Promise.all(networks.map(async ([network]) => [network, await interfaceOn(lab, host, network, options.signal)] as const)));
    const legend = networks.map(([network, ip]) => `${ifaces.get(network)} = ${network} ${ip}`).join(', ');
    const targets: CaptureTarget[] = options.networks?.length
      ? options.networks.map((network) => ({ name: `${host}-${network}`, iface: ifaces.get(network)!, network }))
      : [{ name: host, iface: 'any' }];
    // allSettled, not all: every start has finished (or failed) before anything is judged,
    // so no tcpdump can start after the clean-up below.
    const settled = await Promise.allSettled(
      targets.map(async (target, index) => {
        const id = `${options.idPrefix}-${index}`;
        // Named by the capture's id in the host, so a later capture of the same host and
        // network does not overwrite the pcap that expectations count packets in.
        const file = `${CAPTURES_DIR_IN_HOST}/${id}.pcap`;
        // The filter is one argument: tcpdump reads it whole, and no shell ever parses it.
        const argv = [
          'tcpdump',
          '--immediate-mode',
          '-U',
          '-n',
          '-i',
          target.iface,
          // On all interfaces at once, the cooked v2 format keeps each packet's interface
          // and direction (`eth1 In`), so its journey knows which network it was on.
          ...(target.iface === 'any' ? ['-y', 'LINUX_SLL2'] : []),
          '-c',
          String(MAX_PACKETS),
          // Headers and the start of the data: a bulk transfer does not fill the host.
          '-s',
          String(SNAP_BYTES),
          '-w',
          file,
          // Without a filter of the user's, the engine's own IPv6 chatter on the bridge
          // (router solicitations, multicast reports) is left out: lessons are IPv4.
          options.filter ?? DEFAULT_FILTER,
        ];
        await inHost.start(id, argv, { signal: options.signal, own: true });
        try {
          await waitUntilListening(lab, host, id, options.signal);
        } catch (error) {
          await inHost.signal(id, 'SIGKILL').catch(() => undefined);
          throw error;
        }
        return { target, file, id };
      }),
    );
    const running = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      // Interrupted or failed before every tcpdump was ready: stop the ones that did start,
      // rather than leave them capturing in a lab that stays up.
      await Promise.all(running.map(({ id }) => inHost.signal(id, 'SIGKILL').catch(() => undefined)));
      throw failure.reason;
    }
    return new Capture(lab, host, running, legend, Object.fromEntries([...ifaces].map(([network, iface]) => [iface, network])));
  }

  /** Stops its tcpdumps without collecting anything (another host's capture failed to start). */
  async abandon(): Promise<void> {
    const inHost = this.lab.inHost(this.host);
    await Promise.all(this.running.map(({ id }) => inHost.signal(id, 'SIGKILL').catch(() => undefined)));
  }

  /** Stops tcpdump, streams each pcap to `outputDir` and writes its decoded text beside it. */
  async stop(outputDir: string, signal?: AbortSignal): Promise<CaptureResult[]> {
    await mkdir(outputDir, { recursive: true });
    const inHost = this.lab.inHost(this.host);
    const results: CaptureResult[] = [];
    for (const { target, file, id } of this.running) {
      await inHost.stop(id, { signal: 'SIGINT', graceMs: STOP_GRACE_MS, abort: signal });
      const pcapPath = join(outputDir, `${target.name}.pcap`);
      const textPath = join(outputDir, `${target.name}.txt`);
      await toFile(pcapPath, (sink) => inHost.readFile(file, sink, signal));
      const firstLines: string[] = [];
      let packets = 0;
      // -ttttt: time since the first packet, easier to read than wall-clock stamps.
      await toFile(textPath, async (sink) => {
        const splitter = new LineSplitter((bytes, start, end) => {
          packets += 1;
          if (firstLines.length < KEPT_LINES) firstLines.push(lineText(bytes, start, end).trimStart());
        });
        const result = await inHost.command(`tcpdump -n -ttttt -r ${file} 2>/dev/null`, {
          timeoutMs: 120_000,
          signal,
          sink: (chunk) => (splitter.push(chunk), sink(chunk)),
        });
        splitter.flush();
        return result.exitCode === 0;
      });
      // The first packets in detail, for the journey: -tt (one clock for all hosts), -S
      // (absolute TCP numbers, the same on both sides of a NAT), -v (the IP id and TTL).
      const detailed = await inHost.command(`tcpdump -n -tt -S -v -r ${file} 2>/dev/null | head -n ${2 * JOURNEY_PACKETS}`, { timeoutMs: 60_000, signal });
      results.push({
        records: parsePackets(detailed.stdout),
        networksByIface: this.networksByIface,
        name: target.name,
        iface: target.iface,
        network: target.network,
        fileInHost: file,
        legend: this.legend,
        pcapPath,
        textPath,
        packets,
        firstLines,
        capped: packets >= MAX_PACKETS,
      });
    }
    return results;
  }
}

/** Streams what `produce` writes into a new file, with back-pressure. */
async function toFile(path: string, produce: (sink: (chunk: Buffer) => void | Promise<void>) => Promise<unknown>): Promise<void> {
  const out: WriteStream = createWriteStream(path);
  try {
    await produce((chunk) => (out.write(chunk) ? undefined : once(out, 'drain').then(() => undefined)));
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
}

async function waitUntilListening(lab: LabAccess, host: string, id: string, signal?: AbortSignal): Promise<void> {
  const inHost = lab.inHost(host);
  const ready = await poll(
    async () => {
      const { stdout } = await inHost.command(`head -c 4096 ${JSON.stringify(`/lab/run/${id}.err`)} 2>/dev/null; true`, { signal });
      if (stdout.includes('listening on')) return 'ready';
      const status = await inHost.status(id, signal);
      if (status?.end) throw new Error(`tcpdump failed on host '${host}': ${stdout.trim()}`);
      return undefined;
    },
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, signal },
  );
  if (!ready) throw new Error(`tcpdump did not start on host '${host}' within ${READY_TIMEOUT_MS / 1000} s`);
}

export type PacketCount = { ok: true; count: number; firstLines: string[] } | { ok: false; why: string };

/** How many packets of the capture's pcaps (in the host) match a tcpdump filter, and the first of them. */
export async function countPackets(lab: LabAccess, host: string, files: readonly string[], filter: string, signal?: AbortSignal): Promise<PacketCount> {
  // tcpdump's own filter compiler judges the filter; awk keeps the first lines and the count,
  // never the whole list. tcpdump's stderr joins them unprefixed: "reading from file" is its
  // greeting, anything else a complaint.
  const script = files
    .map((file) => `{ tcpdump -n -r ${shellQuote(file)} ${shellQuote(filter)} | awk 'NR<=${SHOWN_MATCHES} {print "P " $0} END {print "N " NR}'; } 2>&1`)
    .join('; ');
  const result = await lab.inHost(host).command(script, { timeoutMs: 120_000, signal });
  if (result.timedOut) return { ok: false, why: `host '${host}' gave no answer while counting packets` };
  const lines = result.stdout.split('\n');
  const errors = lines.filter((line) => line.trim() && !/^[PN] /.test(line) && !line.startsWith('reading from file')).map((line) => line.trim());
  if (errors.length) return { ok: false, why: `tcpdump refused the filter ${JSON.stringify(filter)}: ${errors.join('; ')}` };
  const count = lines.filter((line) => line.startsWith('N ')).reduce((sum, line) => sum + Number(line.slice(2)), 0);
  const firstLines = lines.filter((line) => line.startsWith('P ')).map((line) => line.slice(2));
  return { ok: true, count, firstLines: firstLines.slice(0, SHOWN_MATCHES) };
}

const SHOWN_MATCHES = 5;

/** The first lines of a decoded capture, for the console. */
export function decodedExcerpt(result: CaptureResult): string {
  const more = result.packets - result.firstLines.length;
  const lines = more > 0 ? [...result.firstLines, `... ${more} more packets in ${shortPath(result.textPath)}`] : [...result.firstLines];
  if (result.capped) lines.push(`(the capture stopped recording at ${MAX_PACKETS} packets)`);
  return lines.join('\n');
}
