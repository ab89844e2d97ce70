// Packet captures in a lab host: tcpdump runs in the host (the lab image has it), writes a
// pcap there, and on stop the pcap is copied out next to a decoded text view. Used by the
// `capture` step and by `socklab capture`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackgroundProgram, sleep } from './host-process.js';
import type { Lab } from './lab.js';
import { shortPath } from '../util/paths.js';

export interface CaptureTarget {
  /** File name stem: HOST (all interfaces) or HOST-NETWORK. */
  name: string;
  iface: string;
}

export interface CaptureResult {
  name: string;
  iface: string;
  /** Which interface is on which network (eth0 = internet 203.0.113.1, ...), to read `any` captures. */
  legend: string;
  pcapPath: string;
  textPath: string;
  /** `tcpdump -n -ttttt -r` of the capture: one line per packet. */
  decoded: string;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** The interface of `host` on `network` (eth0, eth1...), found by its address. */
export async function interfaceOn(lab: Lab, host: string, network: string): Promise<string> {
  const ip = lab.host(host).ips[network];
  if (!ip) throw new Error(`host '${host}' is not on network '${network}'`);
  const found = await lab.sh(host, `ip -o -4 addr show to ${ip} | awk '{print $2}' | cut -d@ -f1`, 'finding the interface');
  return found.trim();
}

export class Capture {
  private constructor(
    private readonly lab: Lab,
    readonly host: string,
    private readonly running: { target: CaptureTarget; file: string; program: BackgroundProgram }[],
    private readonly legend: string,
  ) {}

  /**
   * Starts tcpdump on `host`: one capture per listed network, or one on all interfaces
   * ('any') when none are listed. Returns once every tcpdump is listening.
   */
  static async start(
    lab: Lab,
    host: string,
    options: { networks?: string[]; filter?: string; idPrefix: string; signal?: AbortSignal },
  ): Promise<Capture> {
    // Every interface of the host, once: for the targets and for the legend of `any` captures.
    const networks = Object.entries(lab.host(host).ips);
    const ifaces = new Map(
      await Promise.all(networks.map(async ([network]) => [network, await interfaceOn(lab, host, network)] as const)),
    );
    const legend = networks.map(([network, ip]) => `${ifaces.get(network)} = ${network} ${ip}`).join(', ');
    const targets: CaptureTarget[] = options.networks?.length
      ? options.networks.map((network) => ({ name: `${host}-${network}`, iface: ifaces.get(network)! }))
      : [{ name: host, iface: 'any' }];
    // allSettled, not all: every start has finished (or failed) before anything is judged,
    // so no tcpdump can start after the clean-up below.
    const settled = await Promise.allSettled(
      targets.map(async (target, index) => {
        const file = `/lab/captures/${target.name}.pcap`;
        const command = ['sh', '-c', `mkdir -p /lab/captures && exec tcpdump --immediate-mode -U -n -i ${target.iface} -w ${file} ${options.filter ?? ''}`];
        const program = await BackgroundProgram.start(lab, host, `${options.idPrefix}-${index}`, command, {});
        try {
          await waitUntilListening(program, options.signal);
        } catch (error) {
          await program.signal('SIGINT').catch(() => undefined);
          throw error;
        }
        return { target, file, program };
      }),
    );
    const running = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      // Interrupted or failed before every tcpdump was ready: stop the ones that did start,
      // rather than leave them capturing in a lab that stays up.
      await Promise.all(running.map(({ program }) => program.signal('SIGINT').catch(() => undefined)));
      throw failure.reason;
    }
    return new Capture(lab, host, running, legend);
  }

  /** Stops tcpdump, copies each pcap to `outputDir` and writes its decoded text beside it. */
  async stop(outputDir: string): Promise<CaptureResult[]> {
    await mkdir(outputDir, { recursive: true });
    const results: CaptureResult[] = [];
    for (const { target, file, program } of this.running) {
      await program.signal('SIGINT');
      await program.waitForExit(STOP_TIMEOUT_MS);
      const pcap = await this.lab.runtime.readFile(this.lab.host(this.host).container, file);
      const pcapPath = join(outputDir, `${target.name}.pcap`);
      const textPath = join(outputDir, `${target.name}.txt`);
      if (pcap) await writeFile(pcapPath, pcap);
      // -ttttt: time since the first packet, easier to read than wall-clock stamps.
      const raw = (await this.lab.exec(this.host, ['tcpdump', '-n', '-ttttt', '-r', file])).stdout;
      const decoded = raw.split('\n').map((line) => line.trimStart()).join('\n');
      await writeFile(textPath, decoded);
      results.push({ name: target.name, iface: target.iface, legend: this.legend, pcapPath, textPath, decoded });
    }
    return results;
  }
}

async function waitUntilListening(program: BackgroundProgram, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { stderr } = await program.output();
    if (stderr.includes('listening on')) return;
    if ((await program.exitCode()) !== undefined) throw new Error(`tcpdump failed on host '${program.host}': ${stderr.trim()}`);
    await sleep(100, signal);
  }
  throw new Error(`tcpdump did not start on host '${program.host}' within ${READY_TIMEOUT_MS / 1000} s`);
}

/** The first lines of a decoded capture, for the console. */
export function decodedExcerpt(result: CaptureResult, maxLines = 40): string {
  const lines = result.decoded.trim().split('\n');
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more packets in ${shortPath(result.textPath)}`].join('\n')
    : lines.join('\n');
}
