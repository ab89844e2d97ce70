// Parsers of what the hosts print, and the who-sees-what join, on real outputs captured
// from lab runs (copied from the nat-pat lesson).
import { describe, expect, it } from 'vitest';
import { parseNetstat, withPlainIpv4 } from '../../src/observe/netstat.js';
import { parseConntrack } from '../../src/observe/conntrack.js';
import { parsePs } from '../../src/observe/ps.js';
import { matchesPattern } from '../../src/observe/endpoint.js';
import { ObservationLog } from '../../src/observe/observation-log.js';
import { formatPicture, whoSeesWhat } from '../../src/observe/who-sees-what.js';

const CLIENT_NETSTAT = `Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 127.0.0.11:33335        0.0.0.0:*               LISTEN      -
tcp        0      0 192.168.0.10:59474      203.0.113.3:80          ESTABLISHED 22/node
udp        0      0 127.0.0.11:57592        0.0.0.0:*                           -
udp        0      0 10.0.0.20:40000         10.0.0.10:50000         ESTABLISHED 31/node
tcp6       0      0 :::80                   :::*                    LISTEN      9/node`;
const SERVER_NETSTAT = `tcp        0      0 10.10.10.67:60001       203.0.113.1:59474       ESTABLISHED 23/node`;
const ROUTER_A = `tcp      6 431998 ESTABLISHED src=192.168.0.10 dst=203.0.113.3 sport=59474 dport=80 src=203.0.113.3 dst=203.0.113.1 sport=80 dport=59474 [ASSURED] mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.`;
const ROUTER_B = `tcp      6 431998 ESTABLISHED src=203.0.113.1 dst=203.0.113.3 sport=59474 dport=80 src=10.10.10.67 dst=203.0.113.1 sport=60001 dport=59474 [ASSURED] mark=0 use=1`;

describe('parseNetstat', () => {
  it("counts a dual-stack listener (Node's server.listen(port): tcp6 :::PORT) as listening on IPv4, its IPv4 peers as plain IPv4", () => {
    const text = [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
      'tcp6       0      0 :::60001                :::*                    LISTEN      7/node',
      'tcp6       0      0 ::ffff:10.0.0.10:60001  ::ffff:10.0.0.20:41234  ESTABLISHED 7/node',
      'udp6       0      0 :::7001                 :::*                                8/node',
    ].join('\n');
    expect(parseNetstat(text)).toEqual([
      { protocol: 'tcp', local: { ip: '0.0.0.0', port: 60001 }, remote: { ip: '0.0.0.0', port: 0 }, state: 'LISTEN', pid: 7, program: 'node' },
      { protocol: 'tcp', local: { ip: '10.0.0.10', port: 60001 }, remote: { ip: '10.0.0.20', port: 41234 }, state: 'ESTABLISHED', pid: 7, program: 'node' },
      { protocol: 'udp', local: { ip: '0.0.0.0', port: 7001 }, remote: { ip: '0.0.0.0', port: 0 }, state: '', pid: 8, program: 'node' },
    ]);
    // Shown as people read it, columns in place.
    expect(withPlainIpv4('tcp6       0      0 ::ffff:10.0.0.10:60001  ::ffff:10.0.0.20:41234  ESTABLISHED 7/node')).toBe(
      'tcp6       0      0 10.0.0.10:60001         10.0.0.20:41234         ESTABLISHED 7/node',
    );
  });

  it('reads TCP and UDP rows, with and without a state, and skips headers', () => {
    const rows = parseNetstat(CLIENT_NETSTAT);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({
      protocol: 'tcp',
      local: { ip: '192.168.0.10', port: 59474 },
      remote: { ip: '203.0.113.3', port: 80 },
      state: 'ESTABLISHED',
      pid: 22,
      program: 'node',
    });
    expect(rows[2]).toMatchObject({ protocol: 'udp', state: '', local: { ip: '127.0.0.11', port: 57592 }, remote: { ip: '0.0.0.0', port: 0 } });
    expect(rows[3]).toMatchObject({ protocol: 'udp', state: 'ESTABLISHED', pid: 31 });
    expect(rows[4]).toMatchObject({ protocol: 'tcp', state: 'LISTEN', local: { ip: '0.0.0.0', port: 80 } });
  });
});

describe('parseConntrack', () => {
  it('tells source NAT (masquerade) from destination NAT (port forward)', () => {
    const [a] = parseConntrack(ROUTER_A);
    expect(a).toMatchObject({ protocol: 'tcp', state: 'ESTABLISHED', sourceNat: true, destinationNat: false });
    expect(a!.srcAfter).toEqual({ ip: '203.0.113.1', port: 59474 });
    const [b] = parseConntrack(ROUTER_B);
    expect(b).toMatchObject({ sourceNat: false, destinationNat: true });
    expect(b!.dstAfter).toEqual({ ip: '10.10.10.67', port: 60001 });
  });

  it('reads UDP flows, which have no state column', () => {
    const [flow] = parseConntrack(
      'udp      17 29 src=10.0.0.20 dst=10.0.0.10 sport=40000 dport=50000 [UNREPLIED] src=10.0.0.10 dst=10.0.0.20 sport=50000 dport=40000 mark=0 use=1',
    );
    expect(flow).toMatchObject({ protocol: 'udp', state: '', sourceNat: false, destinationNat: false });
  });
});

describe('parsePs and endpoint patterns', () => {
  it('reads pid and arguments', () => {
    expect(parsePs('    PID COMMAND\n      1 /sbin/docker-init -- sleep infinity\n     22 node /lab/programs/x.js --port 1')).toEqual([
      { pid: 1, args: '/sbin/docker-init -- sleep infinity' },
      { pid: 22, args: 'node /lab/programs/x.js --port 1' },
    ]);
  });
  it('matches * for address or port, and nothing else', () => {
    const endpoint = { ip: '10.0.0.20', port: 41822 };
    expect(matchesPattern(endpoint, '10.0.0.20:*')).toBe(true);
    expect(matchesPattern(endpoint, '*:41822')).toBe(true);
    expect(matchesPattern(endpoint, '10.0.0.2:*')).toBe(false);
    expect(matchesPattern(endpoint, '10.0.0.20:4182')).toBe(false);
  });
});

describe('whoSeesWhat', () => {
  it('joins client, both routers and server into one connection, hop by hop', () => {
    const log = new ObservationLog();
    log.addSockets('client', parseNetstat(CLIENT_NETSTAT), 'step 3');
    log.addSockets('server', parseNetstat(SERVER_NETSTAT), 'step 3');
    log.addFlows('routerB', parseConntrack(ROUTER_B), 'end of run');
    log.addFlows('routerA', parseConntrack(ROUTER_A), 'end of run');
    const pictures = whoSeesWhat(log);
    expect(pictures).toHaveLength(1);
    expect(pictures[0]!.hops.map((hop) => `${hop.host}${hop.direction ? ` ${hop.direction}` : ''}`)).toEqual([
      'client',
      'routerA in',
      'routerA out',
      'routerB in',
      'routerB out',
      'server',
    ]);
    const table = formatPicture(pictures[0]!);
    // Each row says when it was seen: the ends at step 3, the routers at the end of the run.
    expect(table).toMatch(/routerA out\s+conntrack\s+end of run\s+203\.0\.113\.1:59474\s+203\.0\.113\.3:80\s+source rewritten/);
    expect(table).toMatch(/server\s+netstat\s+step 3\s+203\.0\.113\.1:59474\s+10\.10\.10\.67:60001\s+ESTABLISHED/);
  });

  it('explains nothing when no router translated anything', () => {
    const log = new ObservationLog();
    log.addFlows(
      'router',
      parseConntrack(
        'tcp      6 117 TIME_WAIT src=10.1.0.10 dst=10.2.0.10 sport=5000 dport=80 src=10.2.0.10 dst=10.1.0.10 sport=80 dport=5000 [ASSURED] mark=0 use=1',
      ),
    );
    expect(whoSeesWhat(log)).toEqual([]);
  });
});
