// `socklab capture HOST [--network NAME | --iface IFACE] [--seconds N] [--filter EXPR]`:
// packets seen by a host of a lab that is up, for N seconds or until Ctrl+C; writes the
// pcap (for Wireshark) and its decoded text, and prints a decoded summary.
import { resolve } from 'node:path';
import { captureOnHost, decodedExcerpt } from '../../session/capture.js';
import { sleep } from '../../util/abort.js';
import { EXIT, UsageError } from '../errors.js';
import { INTERRUPTED_EXIT, onInterrupt, type Interruption } from '../interrupts.js';
import { consoleStyle } from '../style.js';

export interface CaptureOptions {
  network?: string;
  iface?: string;
  seconds?: string;
  filter?: string;
  out?: string;
}

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export async function captureCommand(target: string, options: CaptureOptions): Promise<number> {
  const seconds = options.seconds === undefined ? undefined : Number(options.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number (got '${options.seconds}').`);
  if (options.network && options.iface) throw new UsageError('give --network or --iface, not both.');
  const started = new Date();
  // An interruption stops the capture (and is success), or, before it started, the command.
  const stopped = new AbortController();
  let reason: Interruption | undefined;
  const stop = onInterrupt((received) => {
    reason ??= received;
    stopped.abort();
  });
  try {
    const begun = await captureOnHost(target, {
      network: options.network,
      iface: options.iface,
      filter: options.filter,
      idPrefix: `capture-${stamp(started)}`,
      signal: stopped.signal,
    }).catch((error: unknown) => {
      if (reason) return reason;
      throw error;
    });
    if (typeof begun === 'string') return INTERRUPTED_EXIT[begun];
    const { target: found, networks, capture } = begun;
    const { lab: info, host } = found;
    const outputDir = resolve(options.out ?? '.socklab/captures', `${info.scenario}-${info.runId}-${host.name}-${stamp(started)}`);
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
