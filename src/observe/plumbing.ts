// What every host runs that the lesson did not put there, hidden from the views a student
// reads (the seeds' outputs never had it, and students then ask about it): the sockets of
// Docker's DNS resolver (127.0.0.11, in every container on a user network), and in `ps`
// Docker's init, the host's idle `sleep`, socklab's agent and launcher, a full cone's watcher, the
// output followers and the observation commands (this one and those read alongside it).
// One line says what was hidden; the `-raw` views show all.
import { AGENT_IN_HOST, FOLLOW_COMMAND, FOLLOW_MARK, FULL_CONE_WATCHER_IN_HOST, LAUNCHER_IN_HOST, RUN_DIR_IN_HOST } from '../in-host/contract.js';
import { OBSERVATION_COMMANDS, PARSEABLE, type Observation } from './commands.js';
import { psAuxRecord } from './ps.js';
import { withPlainIpv4 } from './netstat.js';

export interface Shown {
  text: string;
  /** What was hidden and why, when anything was. */
  note?: string;
}

/** Docker's embedded DNS resolver, as a local address. */
const RESOLVER = '127.0.0.11:';

/** `netstat -tuanp` (or `ss -tuanp`) without the resolver's sockets. */
export function withoutResolverSockets(text: string, tool: 'netstat' | 'ss' = 'netstat', showAll = `show: [${tool}-raw]`): Shown {
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
    note: `(hidden: ${hidden} socket(s) of Docker's DNS resolver at 127.0.0.11, which every container has; ${showAll} shows them)`,
  };
}

/**
 * socklab's own views as they show in `ps`: the commands themselves, and each simple command
 * in them without its redirections (`conntrack -L 2>&1` runs as `conntrack -L`). An observe
 * step reads its views at once, so `ps` can catch `netstat` as well as itself.
 */
const OWN_VIEWS = new Set(
  [...Object.values(OBSERVATION_COMMANDS), ...Object.values(PARSEABLE)].flatMap((command) => [
    command,
    ...command.split(' && ').map((part) => part.replace(/ \d?>\S+/g, '')),
  ]),
);

/** What a full-cone router's watcher runs (lab/nat.ts). */
const FULL_CONE_EVENTS = 'conntrack -E -e NEW -p udp';

function isPlumbing(command: string): boolean {
  // A view runs under `timeout` (its deadline) and `sh -c`.
  const view = command.replace(/^timeout -s KILL \d+s /, '').replace(/^sh -c /, '');
  return (
    command.startsWith('/sbin/docker-init -- ') ||
    command === 'sleep infinity' ||
    // The host's first process, while its agent runs (lab.ts).
    command === 'sh -s' ||
    command.includes(`${LAUNCHER_IN_HOST} `) ||
    command === `sh ${AGENT_IN_HOST}` ||
    command.startsWith(`sh ${FULL_CONE_WATCHER_IN_HOST} `) ||
    command === FULL_CONE_EVENTS ||
    command.includes(`${FOLLOW_COMMAND.join(' ')} ${RUN_DIR_IN_HOST}/`) ||
    command.startsWith(`sh -c ${FOLLOW_MARK} `) ||
    OWN_VIEWS.has(view)
  );
}

/** `ps aux` with only what the lesson runs. */
export function withoutPlumbingProcesses(text: string, showAll = 'show: [ps-raw]'): Shown {
  let hidden = 0;
  const kept = text.split('\n').filter((line) => {
    const command = psAuxRecord(line)?.args;
    if (command === undefined || !isPlumbing(command)) return true;
    hidden++;
    return false;
  });
  if (hidden === 0) return { text };
  return {
    text: kept.join('\n'),
    note: `(hidden: ${hidden} process(es) of Docker and socklab: init, the host's idle sleep, socklab's agent, the launcher and output watchers; ${showAll} shows them)`,
  };
}

/**
 * An observation's output as a student reads it: the `-raw` views and scenario commands
 * untouched. `showAll` says how to see what was hidden (default: the scenario's raw view).
 */
export function shownObservation(name: Observation | undefined, output: string, showAll?: string): Shown {
  switch (name) {
    case 'netstat':
    case 'ss':
      return withoutResolverSockets(withPlainIpv4(output), name, showAll);
    case 'ps':
      return withoutPlumbingProcesses(output, showAll);
    default:
      return { text: output };
  }
}
