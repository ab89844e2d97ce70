// `socklab capture HOST [--network NAME | --iface IFACE] [--seconds N] [--filter EXPR]`:
// packets seen by a host of a lab that is up, for N seconds or until Ctrl+C; writes the
// pcap (for Wireshark) and its decoded text, and prints a decoded summary.
import { resolve } from 'node:path';
import { Capture, decodedExcerpt, interfaceOn } from '../../lab/capture.js';
import type { LabAccess } from '../../lab/lab.js';
import { LabSelectionError } from '../../lab/selection-error.js';
import { sleep } from '../../util/abort.js';
import { EXIT, UsageError } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { findHost } from '../lab-target.js';
import { consoleStyle } from '../style.js';

export interface CaptureOptions {
  network?: string;
  iface?: string;
  seconds?: string;
  filter?: string;
  out?: string;
}

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** The scenario networks to capture on: one named network, the network behind an interface, or all (`any`). */
async function networksToCapture(lab: LabAccess, host: string, options: CaptureOptions): Promise<string[] | undefined> {
  const networks = Object.keys(lab.host(host).ips);
  if (options.network && options.iface) throw new UsageError('give --network or --iface, not both.');
  if (options.network) {
    if (!networks.includes(options.network)) {
      throw new LabSelectionError(`host '${host}' is not on network '${options.network}'; its networks: ${networks.join(', ')}.`);
    }
    return [options.network];
  }
  if (!options.iface || options.iface === 'any') return undefined;
  const ifaces = await Promise.all(networks.map(async (network) => ({ network, iface: await interfaceOn(lab, host, network) })));
  const found = ifaces.find((candidate) => candidate.iface === options.iface);
  if (!found) {
    const known = ifaces.map((candidate) => `${candidate.iface} (${candidate.network})`).join(', ');
    throw new LabSelectionError(`host '${host}' has no interface '${options.iface}'; its interfaces: ${known}, or 'any'.`);
  }
  return [found.network];
}

export async function captureCommand(target: string, options: CaptureOptions): Promise<number> {
  const seconds = options.seconds === undefined ? undefined : Number(options.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number (got '${options.seconds}').`);
  const { lab: info, host, attached } = await findHost(target);
  const networks = await networksToCapture(attached, host.name, options);
  const started = new Date();
  const outputDir = resolve(options.out ?? '.socklab/captures', `${info.scenario}-${info.runId}-${host.name}-${stamp(started)}`);

  const stopped = new AbortController();
  const stop = onInterrupt(() => stopped.abort());
  try {
    const capture = await Capture.start(attached, host.name, {
      networks,
      filter: options.filter,
      idPrefix: `capture-${stamp(started)}`,
      signal: stopped.signal,
    });
    const where = networks ? `network ${networks.join(', ')}` : 'all interfaces';
    process.stderr.write(`capturing on ${host.name} (${where})${seconds ? ` for ${seconds} s` : ''}; Ctrl+C stops\n`);
    await sleep(seconds === undefined ? 2 ** 31 - 1 : seconds * 1000, stopped.signal).catch(() => undefined);
    const style = consoleStyle();
    for (const result of await capture.stop(outputDir)) {
      process.stdout.write(`${style.bold(`capture on ${host.name} (${result.iface}; ${result.legend}): ${result.packets} packet(s)`)}\n`);
      if (result.packets > 0) process.stdout.write(`${decodedExcerpt(result)}\n`);
      process.stdout.write(`pcap: ${result.pcapPath}\ntext: ${result.textPath}\n`);
    }
    return EXIT.ok;
  } finally {
    stop();
  }
}
