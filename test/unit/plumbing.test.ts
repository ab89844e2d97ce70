// What a student reads of netstat and ps: the lesson's sockets and processes, with one line
// saying what of Docker's and socklab's own was hidden; the -raw views keep everything.
import { describe, expect, it } from 'vitest';
import { shownObservation } from '../../src/observe/plumbing.js';

const NETSTAT = [
  'Active Internet connections (servers and established)',
  'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
  'tcp        0      0 127.0.0.11:40237        0.0.0.0:*               LISTEN      -',
  'tcp6       0      0 :::60001                :::*                    LISTEN      7/node',
  'tcp6       0      0 ::ffff:10.0.0.10:60001  ::ffff:10.0.0.20:41234  ESTABLISHED 7/node',
  'udp        0      0 127.0.0.11:45678        0.0.0.0:*                           -',
].join('\n');

const PS = [
  'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
  'root           1  0.0  0.0   1024     4 ?        Ss   10:00   0:00 /sbin/docker-init -- sh -s',
  'root           7  0.0  0.0   2000   500 ?        S    10:00   0:00 sleep infinity',
  'root          20  0.0  0.0   2500   800 ?        S    10:00   0:00 /bin/sh /lab/bin/launch -r hello-server node /lab/programs/tcp-hello-server.js',
  'root          21  0.1  1.0  90000 40000 ?        Sl   10:00   0:00 node /lab/programs/tcp-hello-server.js --port 60001',
  "root          29  0.0  0.0   2000   600 ?        S    10:00   0:00 sh -c : socklab-follow; tail -s 0.1 -n +1 -F '/lab/run/hello-server.out' 2>/dev/null & echo $! > '/lab/run/hello-server.out.follower'; tail -s 0.1 -n +1 -F '/lab/run/hello-server.err' >&2 2>/dev/null & echo $! > '/lab/run/hello-server.err.follower'; wait",
  'root          30  0.0  0.0   2000   600 ?        S    10:00   0:00 tail -s 0.1 -n +1 -F /lab/run/hello-server.out',
  'root          40  0.0  0.0   2000   600 ?        S    10:00   0:00 timeout -s KILL 10s sh -c ps aux',
  'root          41  0.0  0.0   7000  3000 ?        R    10:00   0:00 ps aux',
].join('\n');

describe('shownObservation', () => {
  it("hides Docker's DNS resolver sockets from netstat, says so, and writes IPv4-mapped addresses as IPv4", () => {
    const shown = shownObservation('netstat', NETSTAT);
    expect(shown.text).not.toContain('127.0.0.11');
    expect(shown.text).toContain('tcp6       0      0 10.0.0.10:60001         10.0.0.20:41234         ESTABLISHED 7/node');
    expect(shown.text.split('\n')).toHaveLength(4);
    expect(shown.note).toBe("(hidden: 2 socket(s) of Docker's DNS resolver at 127.0.0.11, which every container has; show: [netstat-raw] shows them)");
  });

  it('keeps only the lesson’s processes in ps, and says how many were hidden', () => {
    const shown = shownObservation('ps', PS);
    expect(shown.text.split('\n')).toEqual([
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root          21  0.1  1.0  90000 40000 ?        Sl   10:00   0:00 node /lab/programs/tcp-hello-server.js --port 60001',
    ]);
    expect(shown.note).toMatch(/^\(hidden: 7 process\(es\) of Docker and socklab: .*show: \[ps-raw\] shows them\)$/);
  });

  it("hides the views read alongside ps (an observe step reads netstat at the same moment), not the lesson's own commands", () => {
    const alongside = [
      PS,
      'root          50  0.0  0.0   2000   600 ?        S    10:00   0:00 timeout -s KILL 10s sh -c netstat -tuanp',
      'root          51  0.0  0.0   2000   600 ?        R    10:00   0:00 netstat -tuanp',
      'root          52  0.0  0.0   2000   600 ?        S    10:00   0:00 conntrack -L',
      'root          53  0.0  0.0   2000   600 ?        S    10:00   0:00 netstat -tan',
    ].join('\n');
    const shown = shownObservation('ps', alongside);
    expect(shown.note).toMatch(/^\(hidden: 10 process\(es\)/);
    expect(shown.text).toContain('netstat -tan');
  });

  it('shows the raw views and scenario commands as they came, with nothing to say', () => {
    expect(shownObservation('netstat-raw', NETSTAT)).toEqual({ text: NETSTAT });
    expect(shownObservation('ps-raw', PS)).toEqual({ text: PS });
    expect(shownObservation(undefined, PS)).toEqual({ text: PS });
    expect(shownObservation('ps', PS.split('\n').slice(0, 1).join('\n')).note).toBeUndefined();
  });
});
