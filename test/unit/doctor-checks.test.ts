// `socklab doctor`'s verdicts from what the engine reports, without an engine:
// the probe's answers, netem and its fallback, images, subnet clashes, leftovers, and the
// summary that decides the exit code.
import { labImagePackages } from '../../src/image/lab-image.js';
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, NetworkInfo } from '../../src/runtime/runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { runState, strayHelpers } from '../../src/lab/cleanup.js';
import { labsFromEngine } from '../../src/lab/labs.js';
import { currentOwner, ownerText } from '../../src/lab/ownership.js';
import {
  capabilityVerdict,
  describeLeftovers,
  labsUpVerdict,
  imageVerdict,
  netemVerdict,
  oldImagesVerdict,
  parseProbe,
  transitPoolVerdict,
} from '../../src/doctor/checks.js';
import { formatChecks, summary } from '../../src/cli/commands/doctor.js';

const plain = { dim: (t: string) => t, bold: (t: string) => t, red: (t: string) => t, green: (t: string) => t, hostColor: (_: number, t: string) => t };

// What the probe printed on this project's machines (netem missing) and on a typical one.
const PROBE_HERE = 'route=ok\niptables=ok\nip6tables=ok\nsetpriv=ok\nforward=ok\nnetem=fail Error: Specified qdisc kind is unknown.\nstatistic=ok\ntbf=ok\n';
const PROBE_FULL = 'route=ok\niptables=ok\nip6tables=ok\nsetpriv=ok\nforward=ok\nnetem=ok\nstatistic=ok\n';

describe('the probe', () => {
  it('reads each answer with its error', () => {
    expect(parseProbe(PROBE_HERE)).toEqual({
      route: { ok: true, error: '' },
      iptables: { ok: true, error: '' },
      ip6tables: { ok: true, error: '' },
      setpriv: { ok: true, error: '' },
      forward: { ok: true, error: '' },
      netem: { ok: false, error: 'Error: Specified qdisc kind is unknown.' },
      statistic: { ok: true, error: '' },
      tbf: { ok: true, error: '' },
    });
  });

  it('passes container rights only when routes, iptables (v4 and v6), setpriv and forwarding all work', () => {
    expect(capabilityVerdict(parseProbe(PROBE_HERE)).verdict).toBe('ok');
    const denied = capabilityVerdict(parseProbe('route=fail RTNETLINK answers: Operation not permitted\niptables=ok\nip6tables=ok\nsetpriv=ok\n'));
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
    expect(here.detail).toMatch(/delay and jitter cannot be made .*; the fallback works for loss by iptables statistic and rate by tbf \(checked\)\./);
    expect(here.fix).toMatch(/modprobe sch_netem/);
    expect(netemVerdict(parseProbe(PROBE_HERE.replace('statistic=ok', 'statistic=fail nope'))).detail).toMatch(
      /the fallback works for rate by tbf \(checked\); unavailable: loss \(iptables statistic failed too\)/,
    );
    expect(netemVerdict(parseProbe(PROBE_FULL))).toMatchObject({ verdict: 'ok', detail: expect.stringMatching(/delay, jitter, loss, rate/) });
  });
});

describe('images', () => {
  it('fails when the current image is absent, naming the tag and the fix', () => {
    const absent = imageVerdict('socklab-lab:abc', undefined, '/somewhere/images/lab');
    expect(absent).toMatchObject({ verdict: 'fail', repair: 'image', fix: expect.stringMatching(/^socklab image build/) });
    expect(absent.detail).toMatch(/^socklab-lab:abc is absent/);
    expect(imageVerdict('socklab-lab:abc', { ref: 'socklab-lab:abc', sizeBytes: 268e6 }, '/x').detail).toMatch(/present \(268 MB\)/);
  });

  it('lists what the image holds, the path and name tools included', () => {
    const present = imageVerdict('socklab-lab:abc', { ref: 'socklab-lab:abc', sizeBytes: 268e6 }, '/x', labImagePackages());
    expect(present.detail).toMatch(/; it holds nodejs, python3, .*tcpdump.*traceroute, iputils-tracepath, curl, bind9-dnsutils/);
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

describe('transit pool', () => {
  const lab = (subnet: string): NetworkInfo => ({ name: `sl-x-lan-${subnet}`, id: subnet, subnets: [subnet], labels: { [LABEL.run]: 'abc' } });

  it("is fine with lab bridges in it, and says lessons' subnets clash with nothing", () => {
    const verdict = transitPoolVerdict([lab('198.18.0.0/29'), lab('198.18.0.8/29'), { name: 'corp', id: 'c', subnets: ['10.20.0.0/16'], labels: {} }]);
    expect(verdict.verdict).toBe('ok');
    expect(verdict.detail).toMatch(/^198\.18\.0\.0\/15: 2 lab bridge\(s\) use it, 100% free/);
  });

  it('warns about networks socklab did not make in the pool (they are avoided)', () => {
    const verdict = transitPoolVerdict([{ name: 'bench-net', id: 'b', subnets: ['198.18.0.0/16'], labels: {} }]);
    expect(verdict.verdict).toBe('warn');
    expect(verdict.detail).toBe(
      "198.18.0.0/15: 0 lab bridge(s) use it, 50% free; socklab avoids the part used by networks it did not make: 'bench-net' (198.18.0.0/16)",
    );
  });

  it('fails when networks socklab did not make fill the pool, naming them and the fix', () => {
    const verdict = transitPoolVerdict([{ name: 'big', id: 'b', subnets: ['198.16.0.0/12'], labels: {} }]);
    expect(verdict.verdict).toBe('fail');
    expect(verdict.fix).toMatch(/docker network rm big/);
  });
});

describe('leftovers', () => {
  const alive = ownerText(currentOwner());
  const gone = `${currentOwner().machine}/999999/1`;
  const run = (id: string, owner: string, extra: Record<string, string> = {}) => ({ [LABEL.run]: id, [LABEL.scenario]: 's', [LABEL.owner]: owner, ...extra });
  const host = (name: string, id: string, owner: string, state: string, extra: Record<string, string> = {}): ContainerInfo => ({
    name,
    id: name,
    state,
    image: 'i',
    labels: run(id, owner, { [LABEL.host]: 'h', [LABEL.hosts]: '1', ...extra }),
    ips: {},
  });
  const network = (id: string, owner: string, subnet: string): NetworkInfo => ({
    name: `sl-s-lan-${id}`,
    id,
    subnets: [subnet],
    labels: run(id, owner, { [LABEL.network]: 'lan' }),
  });
  const containers: ContainerInfo[] = [
    host('sl-s-h-aaa111', 'aaa111', alive, 'running'), // a run in progress: this process
    host('sl-s-h-bbb222', 'bbb222', gone, 'running'), // its process died: dead
    host('sl-s-h-ccc333', 'ccc333', gone, 'running', { [LABEL.keep]: 'true' }), // kept up on purpose
    host('sl-s-h-ddd444', 'ddd444', gone, 'exited', { [LABEL.keep]: 'true' }), // kept, but stopped: dead
    {
      name: 'eager_helper',
      id: 'x',
      state: 'running',
      image: 'i',
      labels: { [LABEL.run]: 'inspect', [LABEL.helper]: 'host-rules', [LABEL.owner]: gone },
      ips: {},
    },
  ];
  const networks = [network('aaa111', alive, '10.1.0.0/24'), network('bbb222', gone, '10.2.0.0/24'), network('eee555', gone, '10.5.0.0/24')];
  const rules = ['-A DOCKER-USER -i sl-aaa111-0lan -o sl-aaa111-0lan -j ACCEPT', '-A INPUT -i sl-fff666-0wan -j DROP'];

  it('names dead runs with what they hold, stray helpers and rules; not runs in progress or labs up on purpose', () => {
    const snapshot = { labs: labsFromEngine(containers, networks), helpers: strayHelpers(containers), rules };
    expect(snapshot.labs.map((lab) => [lab.runId, runState(lab)])).toEqual([
      ['aaa111', 'running'],
      ['bbb222', 'dead'],
      ['ccc333', 'up'],
      ['ddd444', 'dead'],
      ['eee555', 'dead'],
    ]);
    expect(describeLeftovers(snapshot)).toEqual([
      'dead run s (run bbb222, its socklab process is gone): 1 host(s), 1 network(s)',
      'dead run s (run ddd444, kept, but incomplete or stopped): 1 host(s), 0 network(s)',
      'dead run s (run eee555, its socklab process is gone): 0 host(s), 1 network(s)',
      'helper container eager_helper (its socklab process is gone)',
      'host rules of run fff666 (its bridges are gone)',
    ]);
    expect(labsUpVerdict(snapshot.labs).detail).toBe('s (run aaa111, in progress, 1 host(s)), s (run ccc333, up, 1 host(s)); socklab status shows them');
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
