// Finding the lab host a command names (`HOST` or `LAB/HOST`) among the labs that are up.
// Shared by exec, shell, logs, capture and the netstat/ps/conntrack shortcuts.
import { attachLab, listLabs, parseHostSelector, requireRunning, selectHost, type LabHostInfo, type LabInfo } from '../lab/labs.js';
import type { Lab } from '../lab/lab.js';
import type { HostProcesses } from '../in-host/in-host.js';
import { labImageRef } from '../image/lab-image.js';
import type { Runtime } from '../runtime/runtime.js';
import { getRuntime } from './context.js';

export interface HostTarget {
  runtime: Runtime;
  labs: LabInfo[];
  lab: LabInfo;
  host: LabHostInfo;
  /** A handle on the lab, and the way into the host. */
  attached: Lab;
  inHost: HostProcesses;
}

export async function findHost(target: string): Promise<HostTarget> {
  const selector = parseHostSelector(target); // a malformed name fails before any engine call
  const runtime = getRuntime();
  await runtime.engineInfo();
  const labs = await listLabs(runtime);
  const { lab, host } = selectHost(labs, selector);
  requireRunning(lab, host);
  const attached = attachLab(runtime, lab, labImageRef());
  return { runtime, labs, lab, host, attached, inHost: attached.inHost(host.name) };
}
