// `socklab doctor`'s verdicts from what the engine reports (issue 6), without an engine:
// the probe's answers, netem and its fallback, images, subnet clashes, leftovers, and the
// summary that decides the exit code.
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, NetworkInfo } from '../../src/runtime/runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import {
  capabilityVerdict,
  findLeftovers,
  imageVerdict,
  netemVerdict,
  oldImagesVerdict,
  parseProbe,
  subnetVerdict,
} from '../../src/doctor/checks.js';
import { formatChecks, summary } from '../../src/cli/commands/doctor.js';

const plain = { dim: (t: string) => t, bold: (t: string) => t, red: (t: string) => t, green: (t: string) => t, hostColor: (_: number, t: string) => t };

// What the probe printed on this project's machines (netem missing) and on a typical one.
const PROBE_HERE = 'route=ok\niptables=ok\nforward=ok\nnetem=fail Error: Specified qdisc kind is unknown.\nstatistic=ok\n';
const PROBE_FULL = 'route=ok\niptables=ok\nforward=ok\nnetem=ok\nstatistic=ok\n';

describe('the probe', () => {
  it('reads each answer with its error', () => {
    expect(parseProbe(PROBE_HERE)).toEqual({
      route: { ok: true, error: '' },
      iptables: { ok: true, error: '' },
      forward: { ok: true, error: '' },
      netem: { ok: false, error: 'Error: Specified qdisc kind is unknown.' },
      statistic: { ok: true, error: '' },
    });
  });

  it('passes container rights only when routes, iptables and forwarding all work', () => {
    expect(capabilityVerdict(parseProbe(PROBE_HERE)).verdict).toBe('ok');
    const denied = capabilityVerdict(parseProbe('route=fail RTNETLINK answers: Operation not permitted\niptables=ok\n'));
    expect(denied.verdict).toBe('fail');
    expect(denied.detail).toBe(
      'a container with NET_ADMIN could not set: route (RTNETLINK answers: Operation not permitted); forward (no answer). Routers and NAT lessons will fail.',
    );
    expect(denied.fix).toMatch(/NET_ADMIN/);
  });

  it('warns without netem, saying what falls back and what is unavailable', () => {
    const here = netemVerdict(parseProbe(PROBE_HERE));
    expect(here.verdict).toBe('warn');
    expect(here.detail).toMatch(/netem is not available on this kernel \(Error: Specified qdisc kind is unknown\.\)/);
    expect(here.detail).toMatch(/packet loss falls back to iptables statistic .*works.*delay and jitter are unavailable/);
    expect(here.fix).toMatch(/modprobe sch_netem/);
    expect(netemVerdict(parseProbe(PROBE_HERE.replace('statistic=ok', 'statistic=fail nope'))).detail).toMatch(/neither delay nor loss/);
    expect(netemVerdict(parseProbe(PROBE_FULL))).toMatchObject({ verdict: 'ok', detail: expect.stringMatching(/delay, jitter and loss/) });
  });
});

describe('images', () => {
  it('fails when the current image is absent, naming the tag and the fix', () => {
    const absent = imageVerdict('socklab-lab:abc', undefined, '/somewhere/images/lab');
    expect(absent).toMatchObject({ verdict: 'fail', repair: 'image', fix: expect.stringMatching(/^socklab image build/) });
    expect(absent.detail).toMatch(/^socklab-lab:abc is absent/);
    expect(imageVerdict('socklab-lab:abc', { ref: 'socklab-lab:abc', sizeBytes: 268e6 }, '/x').detail).toMatch(/present \(268 MB\)/);
  });

  it('lists images of older recipes, and offers to remove only those no lab uses', () => {
    const images = [
      { ref: 'socklab-lab:new', sizeBytes: 1e6 },
      { ref: 'socklab-lab:old1', sizeBytes: 100e6 },
      { ref: 'socklab-lab:old2', sizeBytes: 200e6 },
    ];
    const inUse = [{ image: 'socklab-lab:old2' } as ContainerInfo];
    const verdict = oldImagesVerdict('socklab-lab:new', images, inUse);
    expect(verdict.verdict).toBe('warn');
    expect(verdict.detail).toBe('images of earlier recipes: socklab-lab:old1, socklab-lab:old2 (used by a lab that is up)');
    expect(verdict.fix).toBe('docker rmi socklab-lab:old1 (frees about 100 MB)');
    expect(oldImagesVerdict('socklab-lab:new', images.slice(0, 1), []).verdict).toBe('ok');
  });
});

describe('subnets', () => {
  const foreign: NetworkInfo = { name: 'corp-vpn', id: '1', subnets: ['10.20.0.0/16'], labels: {} };
  const lab: NetworkInfo = { name: 'sl-x-lan-abc', id: '2', subnets: ['10.0.0.0/24'], labels: { [LABEL.run]: 'abc' } };
  const wanted = [
    { file: 'scenarios/tcp-hello.yaml', network: 'lan', subnet: '10.0.0.0/24' },
    { file: 'scenarios/chat.yaml', network: 'lan', subnet: '10.20.8.0/24' },
  ];

  it("fails on a clash with a network socklab did not make, naming both and the fix", () => {
    const verdict = subnetVerdict(wanted, [foreign, lab], []);
    expect(verdict.verdict).toBe('fail');
    expect(verdict.detail).toBe("scenarios/chat.yaml network 'lan' 10.20.8.0/24 overlaps the engine's network 'corp-vpn' (10.20.0.0/16)");
    expect(verdict.fix).toMatch(/docker network rm corp-vpn/);
  });

  it('does not count a lab that is up as a clash, and mentions scenarios it could not read', () => {
    const verdict = subnetVerdict(wanted, [lab], ['scenarios/broken.yaml']);
    expect(verdict.verdict).toBe('ok');
    expect(verdict.detail).toBe(
      '2 subnet(s) of the bundled scenarios are free (checked against 0 engine network(s) not made by socklab); not read (invalid, see socklab validate): scenarios/broken.yaml',
    );
  });
});

describe('leftovers', () => {
  const run = (id: string, extra: Record<string, string> = {}) => ({ [LABEL.run]: id, [LABEL.scenario]: 's', ...extra });
  const containers: ContainerInfo[] = [
    { name: 'sl-s-server-aaa', id: '1', state: 'running', image: 'i', labels: run('aaa', { [LABEL.host]: 'server' }), ips: {} },
    { name: 'sl-s-client-bbb', id: '2', state: 'exited', image: 'i', labels: run('bbb', { [LABEL.host]: 'client' }), ips: {} },
    { name: 'eager_helper', id: '3', state: 'running', image: 'i', labels: { [LABEL.run]: 'ccc', [LABEL.helper]: 'host-rules' }, ips: {} },
    { name: 'not-ours', id: '4', state: 'exited', image: 'i', labels: {}, ips: {} },
  ];
  const networks: NetworkInfo[] = [
    { name: 'sl-s-lan-aaa', id: 'a', subnets: [], labels: run('aaa', { [LABEL.bridge]: 'sl-aaa-lan' }) },
    { name: 'sl-s-lan-ddd', id: 'd', subnets: [], labels: run('ddd', { [LABEL.bridge]: 'sl-ddd-lan' }) },
    { name: 'bridge', id: 'b', subnets: ['172.17.0.0/16'], labels: {} },
  ];
  const rules = ['-A DOCKER-USER -i sl-aaa-lan -o sl-aaa-lan -j ACCEPT', '-A DOCKER-USER -i sl-eee-wan -o sl-eee-wan -j ACCEPT'];

  it('names stopped containers, networks with no container and rules whose bridge is gone; not labs that are up', () => {
    expect(findLeftovers(containers, networks, rules)).toEqual([
      'container sl-s-client-bbb (exited)',
      'network sl-s-lan-ddd (no container)',
      "host rule '-A DOCKER-USER -i sl-eee-wan -o sl-eee-wan -j ACCEPT' (its bridge is gone)",
    ]);
    expect(findLeftovers(containers.slice(0, 1), networks.slice(0, 1), rules.slice(0, 1))).toEqual([]);
  });
});

describe('the verdict of the whole', () => {
  it('is healthy with warnings, and names the failed checks otherwise', () => {
    const warn = { name: 'netem', verdict: 'warn' as const, detail: 'missing', fix: 'modprobe sch_netem' };
    const fail = { name: 'lab image', verdict: 'fail' as const, detail: 'socklab-lab:abc is absent', fix: 'socklab image build' };
    const ok = { name: 'engine', verdict: 'ok' as const, detail: 'Docker 20.10' };
    expect(summary([ok, warn])).toEqual({ healthy: true, text: 'healthy: socklab can run labs here (warnings: netem)' });
    expect(summary([ok, warn, fail])).toEqual({
      healthy: false,
      text: '1 problem(s): lab image (warnings: netem). Apply the fixes above, or run socklab doctor --fix.',
    });
    expect(formatChecks([ok, fail, warn], plain)).toBe(
      [
        '✔ engine     Docker 20.10',
        '✘ lab image  socklab-lab:abc is absent',
        '             fix: socklab image build',
        '! netem      missing',
        '             fix: modprobe sch_netem',
        '',
      ].join('\n'),
    );
  });
});
