// What each observation runs inside a host. Shared by `observe` steps, expectations and the
// CLI shortcuts (`socklab netstat HOST`), so all three show the same thing.
import type { OBSERVATIONS } from '../scenario/schema.js';

export type Observation = (typeof OBSERVATIONS)[number];

export const OBSERVATION_COMMANDS: Record<Observation, string> = {
  netstat: 'netstat -tuanp',
  ss: 'ss -tuanp',
  ps: 'ps aux',
  conntrack: 'conntrack -L 2>&1',
  'ip addr': 'ip addr',
  'ip route': 'ip route',
  iptables: 'iptables -t nat -S && iptables -S FORWARD',
};

/** For parsing: the forms whose columns the parsers in this folder expect. */
export const PARSEABLE = {
  sockets: 'netstat -tuanp',
  conntrack: 'conntrack -L 2>/dev/null',
  processes: 'ps -eo pid,args',
} as const;

/** How the CLI follows a background program's output file live (see lab/host-process.ts). */
export const FOLLOW_COMMAND = ['tail', '-s', '0.1', '-n', '+1', '-F'];

/**
 * socklab's own plumbing in a host's `ps`: the output followers of a running lesson and the
 * shell of the observation itself. A student asked what runs in the host, not how socklab
 * watches it; the launcher stays (it is the program's parent and says what it runs).
 */
export function withoutPlumbing(observation: Observation, output: string): string {
  if (observation !== 'ps') return output;
  const follower = FOLLOW_COMMAND.join(' ');
  return output
    .split('\n')
    .filter((line) => !line.includes(`${follower} /lab/run/`) && !/ sh -c ps aux$/.test(line))
    .join('\n');
}
