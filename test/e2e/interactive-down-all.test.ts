// `socklab down --all` removes everything socklab owns, every lab and host rule.
// It wipes every lab on the engine, so this is the ONE test that calls it (the e2e files
// run one at a time, so in CI no other test's lab is up meanwhile).
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, runCli } from './helpers.js';

const runtime = new DockerRuntime();

describe('socklab down --all', () => {
  it('removes every lab, network and host rule; then down and status find nothing', async () => {
    for (const file of ['test/e2e/scenarios/i6-chat.yaml', 'test/e2e/scenarios/i6-nat.yaml']) {
      const up = await runCli(['up', file]);
      expect(up.code, up.stderr + up.stdout).toBe(0);
    }
    const before = await findLeftovers(runtime);
    expect(before.filter((item) => /^container sl-i6-(chat|nat)-/.test(item))).toHaveLength(5);
    expect(before.some((item) => item.startsWith('rule '))).toBe(true); // i6-nat's router needs host rules

    const named = await runCli(['down', '--all', 'i6-chat']);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--all removes every lab; drop 'i6-chat'/);

    const all = await runCli(['down', '--all']);
    expect(all.code, all.stderr).toBe(0);
    // At least ours (in CI nothing else is up; on a shared engine others' labs go too).
    const [containers, networks, rules] = (/(\d+) container\(s\), (\d+) network\(s\), (\d+) host rule\(s\)/.exec(all.stdout) ?? []).slice(1).map(Number);
    expect(containers).toBeGreaterThanOrEqual(5);
    expect(networks).toBeGreaterThanOrEqual(3);
    expect(rules).toBeGreaterThanOrEqual(2);
    expect(await findLeftovers(runtime)).toEqual([]);

    const status = await runCli(['status', '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ labs: [] });
    expect((await runCli(['status'])).stdout).toBe('no lab is up. Start one with: socklab up SCENARIO.yaml\n');
    const nothing = await runCli(['down']);
    expect([nothing.code, nothing.stdout]).toEqual([0, 'no lab is up; nothing to remove\n']);
  });
});
