// `socklab doctor` on the real engine. Healthy: exit 0 with every check shown.
// A missing lab image is made without touching the image everyone uses: the check is
// pointed (SOCKLAB_IMAGE_RECIPE_DIR) at a copy of the recipe with one more comment line,
// whose hash, hence tag, differs; `doctor --fix` then builds that tag, removed afterwards.
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LAB_IMAGE_REPO, labImageRef, recipeHash } from '../../src/image/lab-image.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { LABEL } from '../../src/runtime/labels.js';
import { LAB_IMAGE_DIR } from '../../src/util/paths.js';
import { findLeftovers, runCli } from './helpers.js';

const runtime = new DockerRuntime();
let recipe: string;
let otherRef: string;

beforeAll(async () => {
  recipe = await mkdtemp(join(tmpdir(), 'socklab-recipe-'));
  await cp(LAB_IMAGE_DIR, recipe, { recursive: true });
  await appendFile(join(recipe, 'packages.txt'), `# doctor test ${process.pid}: same packages, another tag\n`);
  otherRef = `${LAB_IMAGE_REPO}:${recipeHash(recipe)}`;
  expect(otherRef).not.toBe(labImageRef());
  await runtime.removeImage(otherRef); // absent for certain, even after an interrupted earlier run
});

afterAll(async () => {
  await runtime.removeImage(otherRef);
  await rm(recipe, { recursive: true, force: true });
});

const line = (stdout: string, check: string) => stdout.split('\n').find((text) => new RegExp(`^. ${check} `).test(text)) ?? '';

describe('socklab doctor', () => {
  it('exits 0 on a healthy machine, with a verdict for every check', async () => {
    const { code, stdout, stderr } = await runCli(['doctor']);
    expect(code, stdout + stderr).toBe(0);
    expect(line(stdout, 'engine')).toMatch(/^✔ engine\s+Docker \S+ \(API 1\.\d+/);
    expect(line(stdout, 'lab image')).toMatch(new RegExp(`^✔ lab image\\s+${labImageRef()} is present`));
    expect(line(stdout, 'container rights')).toMatch(/^✔ container rights\s+NET_ADMIN works/);
    // netem: present on most kernels, missing on this one; either way the verdict says what works.
    expect(line(stdout, 'netem')).toMatch(
      /^(✔ netem\s+tc netem works|! netem\s+netem is not available .*the fallback works for loss by iptables statistic and rate by tbf)/,
    );
    expect(line(stdout, 'transit pool')).toMatch(/^[✔!] transit pool\s+198\.18\.0\.0\/15: \d+ lab bridge\(s\) use it, \d+% free/);
    expect(line(stdout, 'leftovers')).toMatch(/^[✔!] leftovers /);
    expect(stdout).toMatch(/^healthy: socklab can run labs here/m);
    // The probe container carried a run label and is gone.
    expect((await runtime.listContainers({ [LABEL.helper]: 'doctor' })).length).toBe(0);
  });

  it('names objects left behind, and down removes a lab that has no host left', async () => {
    const runId = 'i6doc1';
    await runtime.createNetwork({
      name: `sl-i6-doctor-lan-${runId}`,
      bridgeName: `sl-${runId}-lan`,
      subnet: '10.93.9.0/24',
      gateway: '10.93.9.254',
      labels: { [LABEL.run]: runId, [LABEL.scenario]: 'i6-doctor', [LABEL.network]: 'lan', [LABEL.bridge]: `sl-${runId}-lan` },
    });
    try {
      const { code, stdout } = await runCli(['doctor']);
      expect(code).toBe(0); // left-behind objects waste, they do not stop labs from running
      // Made by no live socklab process: a dead run, named with what it holds.
      expect(line(stdout, 'leftovers')).toMatch(
        new RegExp(`^! leftovers .*dead run i6-doctor \\(run ${runId}, its socklab process is gone\\): 0 host\\(s\\), 1 network\\(s\\)`),
      );
      expect(stdout).toMatch(/fix: socklab cleanup \(removes only these; runs in progress and labs up on purpose stay\)/);
      const down = await runCli(['down', runId]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/removed lab i6-doctor \(run i6doc1\): 0 container\(s\), 1 network\(s\)/);
      expect(await findLeftovers(runtime, runId)).toEqual([]);
    } finally {
      await teardownRun(runtime, labImageRef(), runId);
    }
  });

  it('with the lab image absent: names the problem and exits non-zero; --fix builds it', { timeout: 400_000 }, async () => {
    const env = { SOCKLAB_IMAGE_RECIPE_DIR: recipe };
    const broken = await runCli(['doctor'], env);
    expect(broken.code).toBe(3);
    expect(line(broken.stdout, 'lab image')).toMatch(new RegExp(`^✘ lab image\\s+${otherRef} is absent`));
    expect(broken.stdout).toMatch(/fix: socklab image build/);
    // What needs the image is said to be unchecked, not passed.
    expect(line(broken.stdout, 'container rights')).toMatch(/^- container rights\s+not checked: needs the lab image/);
    expect(broken.stdout).toMatch(/^1 problem\(s\): lab image/m);

    const started = performance.now();
    const fixed = await runCli(['doctor', '--fix'], env);
    const seconds = (performance.now() - started) / 1000;
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(new RegExp(`built ${otherRef} in \\d+\\.\\d s`));
    expect(fixed.stdout).toMatch(/checking again:/);
    const after = fixed.stdout.slice(fixed.stdout.indexOf('checking again:'));
    expect(line(after, 'lab image')).toMatch(new RegExp(`^✔ lab image\\s+${otherRef} is present`));
    expect(line(after, 'container rights')).toMatch(/^✔ container rights/);
    expect(await runtime.findImage(otherRef)).toBeDefined();
    process.stderr.write(`doctor --fix built ${otherRef} in ${seconds.toFixed(1)} s\n`);
  });
});
