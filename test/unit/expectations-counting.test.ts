// Counting and negation in expectations: how many connections (or how many different remote
// ports among them), nothing listening, no translation, no process; and address patterns
// with a wildcard in the address.
import { describe, expect, it } from 'vitest';
import { checkExpectation, type HostReading, type View } from '../../src/lab/expectations.js';
import type { ExpectationValue } from '../../src/scenario/schema.js';
import { matchesPattern } from '../../src/observe/endpoint.js';
import { checkScenarioText } from '../../src/scenario/load.js';

// The server of pat-two-clients: one public address, two ports.
const SERVER = [
  'tcp        0      0 0.0.0.0:60001           0.0.0.0:*               LISTEN      7/node',
  'tcp        0      0 10.10.10.67:60001       203.0.113.1:50001       ESTABLISHED 7/node',
  'tcp        0      0 10.10.10.67:60001       203.0.113.1:1024        ESTABLISHED 7/node',
].join('\n');
const ROUTER =
  'tcp      6 431998 ESTABLISHED src=192.168.0.10 dst=203.0.113.3 sport=50001 dport=80 src=203.0.113.3 dst=203.0.113.1 sport=80 dport=50001 [ASSURED] mark=0 use=1';
const PS = '    1 sleep infinity\n   21 node /lab/programs/tcp-hello-server.js';

const readings: Record<View, string> = { sockets: SERVER, conntrack: ROUTER, processes: PS };
const check = (expectation: ExpectationValue) =>
  checkExpectation(expectation, { outputs: async () => undefined, read: async (_host, view): Promise<HostReading> => ({ ok: true, text: readings[view] }) });

describe('counting connections', () => {
  it('counts such connections, or the different values of one of their parts', async () => {
    const base = { host: 'server', local: '10.10.10.67:60001', remote: '203.0.113.1:*' };
    expect((await check({ connection: { ...base, count: 2 } })).failures).toEqual([]);
    expect((await check({ connection: { ...base, distinct: 'remote_port', count: 2 } })).failures).toEqual([]);
    expect((await check({ connection: { ...base, distinct: 'remote_address', count: 1 } })).failures).toEqual([]);
    expect((await check({ connection: { ...base, at_least: 3 } })).failures).toEqual([
      '2 such connection(s): tcp 10.10.10.67:60001 203.0.113.1:50001 ESTABLISHED 7/node; tcp 10.10.10.67:60001 203.0.113.1:1024 ESTABLISHED 7/node',
    ]);
    const one = await check({ connection: { ...base, distinct: 'remote_port', count: 1 } });
    expect(one.subject).toBe('server: connection 10.10.10.67:60001 <-> 203.0.113.1:*: exactly 1 different remote port(s)');
    expect(one.failures[0]).toMatch(/^2 different remote port\(s\): /);
  });

  it('takes a wildcard in any number of the address', async () => {
    expect(matchesPattern({ ip: '192.168.77.12', port: 5 }, '192.168.77.*:*')).toBe(true);
    expect(matchesPattern({ ip: '192.168.78.12', port: 5 }, '192.168.77.*:*')).toBe(false);
    expect(matchesPattern({ ip: '10.1.2.3', port: 5 }, '10.*.*.3:5')).toBe(true);
    expect((await check({ connection: { host: 'server', local: '10.10.*.*:60001', remote: '203.0.113.*:*', count: 2 } })).failures).toEqual([]);
  });
});

describe('absent', () => {
  it('on listening, translation and process: holds when nothing matches, and names what did', async () => {
    expect((await check({ listening: { host: 'server', port: 7, absent: true } })).failures).toEqual([]);
    expect((await check({ listening: { host: 'server', port: 60001, absent: true } })).failures).toEqual(['found tcp 0.0.0.0:60001 0.0.0.0:* LISTEN 7/node']);
    expect((await check({ translation: { router: 'routerA', src: '192.168.0.99:*', absent: true } })).failures).toEqual([]);
    expect((await check({ translation: { router: 'routerA', src: '192.168.0.*:*', absent: true } })).failures[0]).toMatch(/^found /);
    expect((await check({ process: { host: 'server', running: 'tcp-hello-server', absent: true } })).failures[0]).toMatch(/^found: 21 node/);
    expect((await check({ process: { host: 'server', running: 'python3', absent: true } })).failures).toEqual([]);
  });
});

describe('the rules', () => {
  const scenario = (expectation: string) =>
    checkScenarioText(
      '/lessons/count.yaml',
      Buffer.from(
        `name: unit-count\nnetworks:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  server: { networks: { lan: 10.0.0.10 } }\nsteps:\n  - expect:\n      - ${expectation}\n`,
      ),
    );
  it('refuse absent with a count, distinct with nothing to count, and a wildcard number out of range', () => {
    const messages = (text: string) => {
      const result = scenario(text);
      return result.ok ? [] : result.issues.map((issue) => issue.message);
    };
    expect(messages('connection: { host: server, local: "*:1", remote: "*:*", absent: true, count: 2 }')).toEqual([
      "give one of 'absent', 'count' or 'at_least', not 'absent' and 'count'.",
    ]);
    expect(messages('connection: { host: server, local: "*:1", remote: "*:*", distinct: remote_port }')).toEqual([
      "'distinct' says what to count: add 'count: N' or 'at_least: N' (e.g. distinct: remote_port with count: 2).",
    ]);
    expect(messages('connection: { host: server, local: "10.0.*.300:1", remote: "*:*" }')).toEqual([
      '10.0.*.300 is not an IPv4 address: each of its four numbers is 0 to 255.',
    ]);
    expect(messages('process: { host: server, not_running: x, absent: true }')[0]).toMatch(/'absent' goes with 'running: NAME'/);
    expect(messages('connection: { host: server, local: "192.168.77.*:*", remote: "*:*", distinct: remote_port, count: 2 }')).toEqual([]);
  });
});
