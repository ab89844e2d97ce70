// What every host runs that the lesson did not put there, hidden from the views a student
// reads (the seeds' outputs never had it, and students then ask about it): the sockets of
// Docker's DNS resolver (127.0.0.11, in every container on a user network), and in `ps`
// Docker's init, the host's idle `sleep`, socklab's launcher, its output followers and the
// observation command itself. One line says what was hidden; the `-raw` views show all.
import { FOLLOW_COMMAND, LAUNCHER_IN_HOST, RUN_DIR_IN_HOST } from '../in-host/contract.js';
import type { Observation } from './commands.js';
import { withPlainIpv4 } from './netstat.js';

export interface Shown {
  text: string;
  /** What was hidden and why, when anything was. */
  note?: string;
}

/** Docker's embedded DNS resolver, as a local address. */
const RESOLVER = '127.0.0.11:';

/** `netstat -tuanp` (or `ss -tuanp`) without the resolver's sockets. */
export function withoutResolverSockets(text: string, tool: 'netstat' | 'ss' = 'netstat'): Shown {
  const localColumn = tool === 'netstat' ? 3 : 4;
  let hidden = 0;
  const kept = text.split('\n').filter((line) => {
    const local = line.trim().split(/\s+/)[localColumn];
    if (!local?.startsWith(RESOLVER)) return true;
    hidden++;
    return false;
  });
  if (hidden === 0) return { text };
  return {
    text: kept.join('\n'),
    note: `(hidden: ${hidden} socket(s) of Docker's DNS resolver at 127.0.0.11, which every container has; show: [${tool}-raw] shows them)`,
  };
}

/** The COMMAND column of a `ps aux` line (the eleventh), or undefined for the header. */
const commandOf = (line: string) => /^\S+\s+\d+\s+(?:\S+\s+){8}(.*)$/.exec(line)?.[1];

function isPlumbing(command: string): boolean {
  return (
    command.startsWith('/sbin/docker-init -- ') ||
    command === 'sleep infinity' ||
    command.includes(`${LAUNCHER_IN_HOST} `) ||
    command.includes(`${FOLLOW_COMMAND.join(' ')} ${RUN_DIR_IN_HOST}/`) ||
    /^(timeout -s KILL \d+s )?sh -c ps aux$/.test(command) ||
    command === 'ps aux'
  );
}

/** `ps aux` with only what the lesson runs. */
export function withoutPlumbingProcesses(text: string): Shown {
  let hidden = 0;
  const kept = text.split('\n').filter((line) => {
    const command = commandOf(line);
    if (command === undefined || !isPlumbing(command)) return true;
    hidden++;
    return false;
  });
  if (hidden === 0) return { text };
  return {
    text: kept.join('\n'),
    note: `(hidden: ${hidden} process(es) of Docker and socklab: init, the host's idle sleep, the launcher and output watchers; show: [ps-raw] shows them)`,
  };
}

/** An observation's output as a student reads it: the `-raw` views and scenario commands untouched. */
export function shownObservation(name: Observation | undefined, output: string): Shown {
  switch (name) {
    case 'netstat':
    case 'ss':
      return withoutResolverSockets(withPlainIpv4(output), name);
    case 'ps':
      return withoutPlumbingProcesses(output);
    default:
      return { text: output };
  }
}
