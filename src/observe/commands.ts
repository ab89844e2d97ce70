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
  // The same, shown as they come: nothing of Docker's or socklab's hidden (observe/plumbing.ts).
  'netstat-raw': 'netstat -tuanp',
  'ss-raw': 'ss -tuanp',
  'ps-raw': 'ps aux',
};

/** For parsing: the forms whose columns the parsers in this folder expect. */
export const PARSEABLE = {
  sockets: 'netstat -tuanp',
  conntrack: 'conntrack -L 2>/dev/null',
  processes: 'ps -eo pid,args',
} as const;
