// The scenario model between the schema and its users: every shape a step may be written in
// becomes one typed shape, defaults applied, program files found once; one visitor walks the
// steps in order, nested ones included; the facts the format implies.
import { describe, expect, it } from 'vitest';
import { checkScenarioText } from '../../src/scenario/load.js';
import { hasNat, hostAt, routerAddresses, visitSteps, type Step } from '../../src/scenario/model.js';
import { SOCKLAB_ROOT } from '../../src/util/paths.js';
import { join } from 'node:path';

function load(text: string) {
  // In the bundled lessons' folder, so `programs/...` finds socklab's programs.
  const result = checkScenarioText(join(SOCKLAB_ROOT, 'scenarios', 'model.yaml'), Buffer.from(text));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.loaded.scenario;
}

const SCENARIO = load(`
name: model
networks:
  lan: { subnet: 192.168.0.0/24 }
  internet: { subnet: 203.0.113.0/24 }
hosts:
  client: { networks: { lan: 192.168.0.10 }, default_route: 192.168.0.1 }
  router: { role: router, networks: { lan: 192.168.0.1, internet: 203.0.113.1 }, nat: [{ masquerade: { out: internet } }] }
  server: { networks: { internet: 203.0.113.10 } }
steps:
  - start: server
    id: srv
    program: programs/tcp-hello-server.ts
    args: [9000]
    wait_for: "listening"
  - start: server
    id: udp
    command: ["sleep", "100"]
    wait_for: { port: 5000, protocol: udp }
    timeout: 3s
  - observe: client
  - observe: { hosts: [client, server], show: [conntrack] }
  - capture: { host: router }
    steps:
      - parallel:
          - run: client
            program: programs/tcp-hello-client.ts
            args: [203.0.113.10, 9000]
            env: { N: 5 }
          - run: client
            command: "echo hi"
            timeout: 1m
  - expect: { listening: { host: server, port: 9000 } }
  - expect:
      - { process: { host: server, running: node } }
      - { output: { of: srv, stdout: hello } }
  - stop: srv
  - wait: udp
  - sleep: 500ms
`);

describe('the scenario model', () => {
  it('gives every step a kind, the place it is written, and its defaults', () => {
    const [start, startUdp, observeOne, observeMany, capture, expectOne, expectList, stop, wait, sleep] = SCENARIO.steps;
    expect(start).toMatchObject({ kind: 'start', at: ['steps', 0], host: 'server', id: 'srv', args: ['9000'], timeoutMs: 10_000, timeoutWritten: false });
    expect(start).toMatchObject({ waitFor: { text: { contains: 'listening' }, protocol: 'tcp' } });
    expect(startUdp).toMatchObject({
      kind: 'start',
      program: { kind: 'argv', argv: ['sleep', '100'] },
      waitFor: { port: 5000, protocol: 'udp' },
      timeoutMs: 3000,
      timeoutWritten: true,
    });
    expect(observeOne).toEqual({
      kind: 'observe',
      at: ['steps', 2],
      hosts: [{ name: 'client', at: ['steps', 2, 'observe'] }],
      views: ['netstat', 'ps'],
      showAndCommand: false,
    });
    expect(observeMany).toMatchObject({ hosts: [{ name: 'client', at: ['steps', 3, 'observe', 'hosts', 0] }, { name: 'server' }], views: ['conntrack'] });
    expect(capture).toMatchObject({
      kind: 'capture',
      hosts: [{ name: 'router', at: ['steps', 4, 'capture', 'host'] }],
      everyHost: false,
      hostsUnclear: false,
      steps: [{ kind: 'parallel', at: ['steps', 4, 'steps', 0] }],
    });
    expect(expectOne).toMatchObject({ kind: 'expect', expectations: [{ at: ['steps', 5, 'expect'] }] });
    expect(expectList).toMatchObject({ kind: 'expect', expectations: [{ at: ['steps', 6, 'expect', 0] }, { at: ['steps', 6, 'expect', 1] }] });
    expect(stop).toMatchObject({ kind: 'stop', id: 'srv', signal: 'SIGTERM' });
    expect(wait).toMatchObject({ kind: 'wait', id: 'udp', timeoutMs: 30_000 });
    expect(sleep).toMatchObject({ kind: 'sleep', ms: 500 });
  });

  it('finds each program file once, by its real path, and keeps what was written', () => {
    const [start] = SCENARIO.steps;
    expect(start?.kind === 'start' && start.program).toEqual({
      kind: 'file',
      written: 'programs/tcp-hello-server.ts',
      location: expect.objectContaining({ kind: 'found', path: join(SOCKLAB_ROOT, 'programs', 'tcp-hello-server.ts') }),
    });
  });

  it('walks every step in order with one visitor, a parallel and a capture before what they hold', () => {
    const seen: string[] = [];
    const note = (step: Step) => seen.push(`${step.kind}@${step.at.join('.')}`);
    visitSteps(SCENARIO.steps, { start: note, run: note, parallel: note, capture: note, stop: note });
    expect(seen).toEqual([
      'start@steps.0',
      'start@steps.1',
      'capture@steps.4',
      'parallel@steps.4.steps.0',
      'run@steps.4.steps.0.parallel.0',
      'run@steps.4.steps.0.parallel.1',
      'stop@steps.7',
    ]);
    const runs: Step[] = [];
    visitSteps(SCENARIO.steps, { run: (step) => runs.push(step) });
    expect(runs).toMatchObject([
      { host: 'client', env: { N: '5' }, args: ['203.0.113.10', '9000'], timeoutMs: 30_000 },
      { program: { kind: 'shell', script: 'echo hi' }, timeoutMs: 60_000 },
    ]);
  });

  it('knows the facts the format implies', () => {
    expect(hostAt(SCENARIO, '203.0.113.1')).toBe('router');
    expect(hostAt(SCENARIO, '203.0.113.99')).toBeUndefined();
    expect([...routerAddresses(SCENARIO)]).toEqual([
      ['192.168.0.1', 'router'],
      ['203.0.113.1', 'router'],
    ]);
    expect(hasNat(SCENARIO)).toBe(true);
  });
});
