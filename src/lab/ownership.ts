// Which socklab process owns a run, and whether it is still alive. Every object of a run
// carries its owner's identity (a label): the machine (boot id and pid namespace, so a
// pid is only compared where it means the same process), the pid, and the process's start
// time (so a reused pid is not mistaken for the owner). `cleanup` and `doctor` use it to
// tell a run in progress from one whose process died.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { LABEL } from '../runtime/labels.js';

export interface Owner {
  machine: string;
  pid: number;
  /** The process's start time in clock ticks since boot ('' where /proc is not there). */
  started: string;
}

/** Who is alive: this machine's processes can be checked, others' cannot. */
export type OwnerState = 'alive' | 'dead' | 'elsewhere' | 'unknown';

function machineKey(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '';
    return `${boot}.${pidNamespace}`;
  } catch {
    return hostname();
  }
}

function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let current: Owner | undefined;

export function currentOwner(): Owner {
  current ??= { machine: machineKey(), pid: process.pid, started: startTicks(process.pid) ?? '' };
  return current;
}

export const ownerText = (owner: Owner) => `${owner.machine}/${owner.pid}/${owner.started}`;

function parseOwner(text: string | undefined): Owner | undefined {
  const match = /^(.+)\/(\d+)\/(\d*)$/.exec(text ?? '');
  return match ? { machine: match[1]!, pid: Number(match[2]), started: match[3]! } : undefined;
}

/** Whether the process that made objects with these labels is alive. */
export function ownerState(labels: Record<string, string>): OwnerState {
  const owner = parseOwner(labels[LABEL.owner]);
  if (!owner) return 'unknown';
  if (owner.machine !== currentOwner().machine) return 'elsewhere';
  if (owner.pid === process.pid) return 'alive';
  if (owner.started) return startTicks(owner.pid) === owner.started ? 'alive' : 'dead';
  try {
    process.kill(owner.pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}

export const ownerPid = (labels: Record<string, string>) => parseOwner(labels[LABEL.owner])?.pid;
