// Labs from labels: grouping what the engine lists into labs, host selection
// (`HOST`, `LAB/HOST`) with its errors, and the round trip plan -> engine -> attached lab.
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, NetworkInfo } from '../../src/runtime/runtime.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { labsFromEngine, listLabs, parseHostSelector, selectHost, selectLab, selectLabs, type LabInfo } from '../../src/lab/labs.js';
import { Lab } from '../../src/lab/lab.js';
import { LabSelectionError } from '../../src/lab/selection-error.js';
import { planLab } from '../../src/lab/plan.js';
import { NO_REAPER } from '../../src/lab/reaper.js';
import { checkScenarioText } from '../../src/scenario/load.js';

const labels = (run: string, scenario: string, extra: Record<string, string> = {}) => ({ [LABEL.run]: run, [LABEL.scenario]: scenario, ...extra });

function container(run: string, scenario: string, host: string, role: string, ips: Record<string, string>, state = 'running'): ContainerInfo {
  return {
    name: `sl-${scenario}-${host}-${run}`,
    id: `${host}${run}`,
    state,
    image: 'socklab-lab:abc',
    // The lab image's own label is inherited by every container: it must not hide hosts.
    labels: labels(run, scenario, { [LABEL.host]: host, [LABEL.role]: role, [LABEL.helper]: 'lab-image' }),
    ips,
  };
}

function network(run: string, scenario: string, name: string, subnet: string): NetworkInfo {
  return {
    name: `sl-${scenario}-${name}-${run}`,
    id: name + run,
    subnets: [subnet],
    bridgeName: `sl-${run}-${name}`,
    labels: labels(run, scenario, { [LABEL.network]: name, [LABEL.bridge]: `sl-${run}-${name}` }),
  };
}

const ENGINE = {
  containers: [
    container('aaa111', 'nat', 'router', 'router', { 'sl-nat-lan-aaa111': '10.0.1.1', 'sl-nat-wan-aaa111': '10.0.2.1' }),
    container('aaa111', 'nat', 'server', 'host', { 'sl-nat-wan-aaa111': '10.0.2.10' }),
    container('bbb222', 'chat', 'server', 'host', { 'sl-chat-lan-bbb222': '10.0.3.10' }),
    container('bbb222', 'chat', 'client', 'host', { 'sl-chat-lan-bbb222': '10.0.3.20' }, 'exited'),
    // A host-rule helper: a run label but no host label.
    { name: 'helper', id: 'h', state: 'running', image: 'socklab-lab:abc', labels: { [LABEL.run]: 'aaa111', [LABEL.helper]: 'host-rules' }, ips: {} },
  ],
  networks: [
    network('aaa111', 'nat', 'wan', '10.0.2.0/24'),
    network('aaa111', 'nat', 'lan', '10.0.1.0/24'),
    network('bbb222', 'chat', 'lan', '10.0.3.0/24'),
    network('ccc333', 'orphan', 'lan', '10.0.4.0/24'),
  ],
};

const labs = labsFromEngine(ENGINE.containers, ENGINE.networks);

describe('labsFromEngine', () => {
  it('groups hosts and networks by run, naming networks as the scenario does', () => {
    expect(labs.map((lab) => [lab.scenario, lab.runId])).toEqual([
      ['chat', 'bbb222'],
      ['nat', 'aaa111'],
      ['orphan', 'ccc333'],
    ]);
    const nat = labs.find((lab) => lab.scenario === 'nat')!;
    expect(nat.hosts).toEqual([
      {
        name: 'router',
        role: 'router',
        container: 'sl-nat-router-aaa111',
        state: 'running',
        image: 'socklab-lab:abc',
        ips: { lan: '10.0.1.1', wan: '10.0.2.1' },
      },
      { name: 'server', role: 'host', container: 'sl-nat-server-aaa111', state: 'running', image: 'socklab-lab:abc', ips: { wan: '10.0.2.10' } },
    ]);
    expect(nat.networks.map((n) => [n.name, n.subnet, n.bridge])).toEqual([
      ['lan', '10.0.1.0/24', 'sl-aaa111-lan'],
      ['wan', '10.0.2.0/24', 'sl-aaa111-wan'],
    ]);
    expect(labs.find((lab) => lab.scenario === 'chat')!.hosts.map((host) => [host.name, host.state])).toEqual([
      ['client', 'exited'],
      ['server', 'running'],
    ]);
  });

  it('keeps a run that has networks and no host, so down can name it', () => {
    expect(labs.find((lab) => lab.runId === 'ccc333')).toMatchObject({ scenario: 'orphan', hosts: [], networks: [{ name: 'lan' }] });
  });
});

describe('parseHostSelector', () => {
  it('reads HOST and LAB/HOST (a scenario name or a run id)', () => {
    expect(parseHostSelector('server')).toEqual({ host: 'server' });
    expect(parseHostSelector('nat/router')).toEqual({ lab: 'nat', host: 'router' });
    expect(parseHostSelector('aaa111/router')).toEqual({ lab: 'aaa111', host: 'router' });
  });

  it.each([
    ['a/b/c', /'a\/b\/c' is not a host/],
    ['/server', /'' is not a lab name/],
    ['nat/', /'' is not a host name/],
    ['', /'' is not a host name/],
    ['bad name', /'bad name' is not a host name/],
  ])('refuses %j with how to write it', (text, message) => {
    expect(() => parseHostSelector(text)).toThrow(LabSelectionError);
    expect(() => parseHostSelector(text)).toThrow(message);
    expect(() => parseHostSelector(text)).toThrow(/LAB\/HOST when several labs are up/);
  });
});

describe('selectHost and selectLab', () => {
  it('finds a host by its name alone when only one lab has it', () => {
    expect(selectHost(labs, { host: 'router' }).host.container).toBe('sl-nat-router-aaa111');
  });

  it('asks which lab when the name is in several, listing the choices', () => {
    expect(() => selectHost(labs, { host: 'server' })).toThrow("host 'server' is in 2 labs; say which: chat/server, nat/server.");
    expect(selectHost(labs, { lab: 'chat', host: 'server' }).host.container).toBe('sl-chat-server-bbb222');
    expect(selectHost(labs, { lab: 'aaa111', host: 'server' }).lab.scenario).toBe('nat');
  });

  it('names the hosts there are when the host is unknown', () => {
    expect(() => selectHost(labs, { lab: 'nat', host: 'client' })).toThrow("no host 'client' in lab 'nat'. Hosts: nat/router, nat/server.");
    expect(() => selectHost(labs, { host: 'nobody' })).toThrow(
      /no host 'nobody' in any lab that is up\. Hosts: chat\/client, chat\/server, nat\/router, nat\/server\./,
    );
  });

  it('names the labs there are when the lab is unknown, and says how to start one when none is up', () => {
    expect(() => selectHost(labs, { lab: 'tcp-hello', host: 'server' })).toThrow(
      "no lab 'tcp-hello' is up. Labs up: chat (run bbb222), nat (run aaa111), orphan (run ccc333).",
    );
    expect(() => selectHost([], { host: 'server' })).toThrow('no lab is up. Start one with: socklab up SCENARIO.yaml');
    expect(() => selectLab([], 'chat')).toThrow("no lab 'chat' is up (no lab is up at all)");
  });

  it('tells two runs of one scenario apart by run id', () => {
    const twice: LabInfo[] = [labs[0]!, { ...labs[0]!, runId: 'ddd444' }];
    expect(() => selectLab(twice, 'chat')).toThrow("several labs answer to 'chat': chat (run bbb222), chat (run ddd444). Name one by its run id");
    expect(selectLab(twice, 'ddd444').runId).toBe('ddd444');
    expect(() => selectHost(twice, { host: 'server' })).toThrow('say which: bbb222/server, ddd444/server.');
  });

  it('finds named copies by name, several at once by name or glob, and says what is up when a name matches nothing', () => {
    const copies: LabInfo[] = [1, 2, 3].map((n) => ({ ...labs[1]!, runId: `00000${n}`, name: `class-${n}` }));
    const all = [...labs, ...copies];
    expect(selectLab(all, 'class-2').runId).toBe('000002');
    expect(selectHost(all, parseHostSelector('class-2/router')).lab.runId).toBe('000002');
    expect(selectLabs(all, ['class-*']).map((lab) => lab.name)).toEqual(['class-1', 'class-2', 'class-3']);
    expect(selectLabs(all, ['class-?', 'chat']).map((lab) => lab.name)).toEqual(['class-1', 'class-2', 'class-3', 'chat']);
    expect(selectLabs(all, ['000003', 'class-3']).map((lab) => lab.runId)).toEqual(['000003']);
    expect(() => selectLabs(all, ['klass-*'])).toThrow(/^no lab 'klass-\*' is up\. Labs up: chat \(run bbb222\)/);
    // A scenario name designates its runs only when no lab has that name: the copies answer to their own names.
    expect(selectLabs(all, ['nat']).map((lab) => lab.runId)).toEqual(['aaa111']);
  });

  it('takes the only lab when none is named, and asks when there are several', () => {
    expect(selectLab([labs[1]!]).scenario).toBe('nat');
    expect(() => selectLab(labs)).toThrow('3 labs are up: chat (run bbb222), nat (run aaa111), orphan (run ccc333). Say which one.');
  });
});

describe('a lab found again from its labels', () => {
  const SCENARIO = `
name: unit-attach
networks:
  lan: { subnet: 192.168.0.0/24 }
  wan: { subnet: 203.0.113.0/24 }
hosts:
  client: { networks: { lan: 192.168.0.10 }, default_route: 192.168.0.1 }
  router: { role: router, networks: { lan: 192.168.0.1, wan: 203.0.113.1 }, nat: [{ masquerade: { out: wan } }] }
`;

  it('has the same hosts, containers and addresses as the plan that made it, and tears down completely', async () => {
    const result = checkScenarioText('/lessons/attach.yaml', Buffer.from(SCENARIO));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const image = 'socklab-lab:test';
    const runtime = new FakeRuntime({ images: [image] });
    const plan = planLab(result.loaded.scenario, { runId: 'fed987', image, scenarioFile: '/lessons/attach.yaml' });
    await Lab.up(runtime, result.loaded, plan, image, { log: () => undefined, reaper: NO_REAPER });

    const [found, ...others] = await listLabs(runtime);
    expect(others).toEqual([]);
    expect(found).toMatchObject({ runId: 'fed987', scenario: 'unit-attach', scenarioFile: '/lessons/attach.yaml' });
    const attached = Lab.attach(runtime, found!, image);
    for (const host of plan.hosts) {
      expect(attached.host(host.name)).toMatchObject({ name: host.name, container: host.container, role: host.role, ips: host.ips });
    }
    expect(found).toMatchObject({ owner: 'alive', ownerPid: process.pid, kept: false, expectedHosts: 2 });
    const rules = runtime.hostRules.size;
    expect(rules).toBeGreaterThan(0);
    const removed = await attached.teardown();
    expect(removed).toEqual({ containers: 2, networks: 2, rules });
    expect([runtime.containers.size, runtime.networks.size, runtime.hostRules.size]).toEqual([0, 0, 0]);
  });
});
