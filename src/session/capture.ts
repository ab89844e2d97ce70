// A packet capture on a host of a lab that is up, on one of its networks (named, or found
// from an interface) or on all of them.
import { Capture, decodedExcerpt, interfaceOn, type CaptureResult } from '../lab/capture.js';
import type { LabAccess } from '../lab/lab.js';
import { LabSelectionError } from '../lab/selection-error.js';
import { findHost, type HostTarget } from './labs.js';

export { decodedExcerpt, type Capture, type CaptureResult };

export interface HostCaptureOptions {
  /** A network of the host's, by its scenario name. */
  network?: string;
  /** An interface of the host's (eth0...), or `any`. */
  iface?: string;
  filter?: string;
  /** Names the capture's programs in the host. */
  idPrefix: string;
  signal?: AbortSignal;
}

/** The scenario networks to capture on: one named network, the network behind an interface, or all (undefined). */
async function networksToCapture(lab: LabAccess, host: string, options: HostCaptureOptions): Promise<string[] | undefined> {
  const networks = Object.keys(lab.host(host).ips);
  if (options.network) {
    if (!networks.includes(options.network)) {
      throw new LabSelectionError(`host '${host}' is not on network '${options.network}'; its networks: ${networks.join(', ')}.`);
    }
    return [options.network];
  }
  if (!options.iface || options.iface === 'any') return undefined;
  const ifaces = await Promise.all(networks.map(async (network) => ({ network, iface: await interfaceOn(lab, host, network, options.signal) })));
  const found = ifaces.find((candidate) => candidate.iface === options.iface);
  if (!found) {
    const known = ifaces.map((candidate) => `${candidate.iface} (${candidate.network})`).join(', ');
    throw new LabSelectionError(`host '${host}' has no interface '${options.iface}'; its interfaces: ${known}, or 'any'.`);
  }
  return [found.network];
}

/** Starts capturing on the host `target` names; returns once the capture listens. */
export async function captureOnHost(
  target: string,
  options: HostCaptureOptions,
): Promise<{ target: HostTarget; networks: string[] | undefined; capture: Capture }> {
  const found = await findHost(target, options.signal);
  const networks = await networksToCapture(found.handle, found.host.name, options);
  const capture = await Capture.start(found.handle, found.host.name, { networks, filter: options.filter, idPrefix: options.idPrefix, signal: options.signal });
  return { target: found, networks, capture };
}
