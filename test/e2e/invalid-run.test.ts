// `socklab run` refuses what it cannot run before touching the engine: an invalid scenario
// exits 2 having created nothing, and a subnet that overlaps a network already on the
// engine is reported (naming that network, at the subnet's line and column) before any
// object of the lab exists.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { findLeftovers, ROOT, runCli } from './helpers.js';

const runtime = new DockerRuntime();

interface EngineObject {
  kind: 'container' | 'network';
  id: string;
  name: string;
  labels: Record<string, string>;
}

async function engineObjects(): Promise<EngineObject[]> {
  const [containers, networks] = await Promise.all([runtime.listContainers([]), runtime.listNetworks()]);
  return [
    ...containers.map((c) => ({ kind: 'container' as const, id: c.id, name: c.name, labels: c.labels })),
    ...networks.map((n) => ({ kind: 'network' as const, id: n.id, name: n.name, labels: n.labels })),
  ];
}

/**
 * Objects that appeared between two snapshots and could be this run's. The engine is shared
 * with other sessions, so objects of other socklab scenarios, and socklab's short-lived rule
 * helpers (which a lab only starts after creating its networks, which would show here), are
 * not counted.
 */
function appeared(before: EngineObject[], after: EngineObject[], scenario: string): string[] {
  const known = new Set(before.map((o) => o.id));
  return after
    .filter((o) => !known.has(o.id))
    .filter((o) => (o.labels[LABEL.scenario] ?? scenario) === scenario && !(LABEL.helper in o.labels))
    .map((o) => `${o.kind} ${o.name}`);
}

describe('socklab run on an invalid scenario', () => {
  // One mistake of each layer; the corpus holds these fixtures (scenario name v3-invalid).
  it.each(['yaml-duplicate-key.yaml', 'schema-unknown-key-typo.yaml', 'rule-duplicate-ip.yaml', 'rule-program-missing.yaml'])(
    '%s: exits 2, prints file:line:col, creates no Docker object',
    async (fixture) => {
      const before = await engineObjects();
      const { code, stdout, stderr } = await runCli(['run', `test/fixtures/invalid/${fixture}`]);
      const after = await engineObjects();
      expect(code, stdout + stderr).toBe(2);
      expect(stderr).toMatch(new RegExp(`^test/fixtures/invalid/${fixture.replace(/\./g, '\\.')}:\\d+:\\d+: `, 'm'));
      expect(stderr).toMatch(/1 problem\(s\) found; nothing was created\./);
      expect(appeared(before, after, 'v3-invalid')).toEqual([]);
    },
  );
});

describe('a subnet that a network already on the engine holds', () => {
  const testId = randomBytes(3).toString('hex');
  const blocker = `v3-overlap-${testId}`;
  const scenario = `v3-overlap-${testId}`;
  const dir = mkdtempSync(join(tmpdir(), 'socklab-v3-overlap-'));
  afterAll(async () => {
    await runtime.removeNetwork(blocker);
    rmSync(dir, { recursive: true, force: true });
    expect(await findLeftovers(runtime, testId)).toEqual([]);
  });

  it("is no obstacle: the lab comes up with the lesson's addresses, runs and goes", async () => {
    // A plain network holding 10.92.7.0/24, labelled so the suite's leak check would see it.
    await runtime.createNetwork({
      name: blocker,
      bridgeName: `v3ov-${testId}`,
      subnet: '10.92.7.0/24',
      gateway: '10.92.7.254',
      labels: { [LABEL.run]: testId },
    });
    const file = join(dir, 'overlap.yaml');
    writeFileSync(
      file,
      [
        `name: ${scenario}`,
        'networks:',
        '  other: { subnet: 10.92.8.0/24 }',
        '  lan: { subnet: 10.92.7.0/24 }',
        'hosts:',
        '  server: { networks: { lan: 10.92.7.10, other: 10.92.8.10 } }',
        'steps:',
        '  - run: server',
        '    command: ip -4 -o addr show',
      ].join('\n'),
    );
    const shown = relative(ROOT, file);

    const { code, stdout, stderr } = await runCli(['run', shown]);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/server +\| .*inet 10\.92\.7\.10\/24/);
    expect(stdout).toMatch(/server +\| .*inet 10\.92\.8\.10\/24/);
    expect(stderr).not.toContain('overlaps');
  });
});
