// The rules helper's batching: labs that ask while a helper runs share the next one, and
// one lab's failure fails that lab only. The script is run by a real shell, with `ip` and
// `iptables` replaced by stand-ins that refuse one bridge.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBridgeRules } from '../../src/lab/host-rules.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import type { HelperRunOptions } from '../../src/runtime/runtime.js';

const IMAGE = 'socklab-lab:test';

/** Stand-ins for ip, iptables and ip6tables: they log their arguments and fail on the bridge sl-bad999-0lan. */
function standIns(): { path: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-rules-'));
  const log = join(dir, 'log');
  for (const tool of ['ip', 'iptables', 'ip6tables']) {
    const file = join(dir, tool);
    writeFileSync(file, `#!/bin/sh\ncase "$*" in *sl-bad999-*) echo "Cannot find device" >&2; exit 1 ;; esac\necho "${tool} $*" >> ${log}\n`);
    chmodSync(file, 0o755);
  }
  return { path: `${dir}:${process.env.PATH ?? ''}`, log };
}

/** A runtime whose helper runs its script in a real shell, slowly enough for others to queue. */
function shellRuntime(path: string): { runtime: FakeRuntime; scripts: string[] } {
  const runtime = new FakeRuntime({ images: [IMAGE] });
  const scripts: string[] = [];
  runtime.runHelper = async (options: HelperRunOptions) => {
    const script = options.command[2]!;
    scripts.push(script);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stdout = execFileSync('sh', ['-c', script], { env: { PATH: path }, encoding: 'utf8' });
    return { exitCode: 0, stdout, stderr: '' };
  };
  return { runtime, scripts };
}

describe('addBridgeRules', () => {
  it('serves labs that ask while a helper runs with one more helper, not one each', async () => {
    const { path, log } = standIns();
    const { runtime, scripts } = shellRuntime(path);
    const runs = ['aaa001', 'aaa002', 'aaa003', 'aaa004', 'aaa005'];
    await Promise.all(
      runs.map((run, index) => new Promise((resolve) => setTimeout(resolve, index)).then(() => addBridgeRules(runtime, IMAGE, run, [`sl-${run}-0lan`]))),
    );
    expect(scripts).toHaveLength(2);
    const logged = execFileSync('cat', [log], { encoding: 'utf8' });
    for (const run of runs) expect(logged).toContain(`iptables -I DOCKER-USER -i sl-${run}-0lan -o sl-${run}-0lan -j ACCEPT`);
  });

  it('fails only the lab whose part failed, with the tool’s words', async () => {
    const { path, log } = standIns();
    const { runtime } = shellRuntime(path);
    const asked = ['aaa001', 'bad999', 'aaa003'].map((run) => addBridgeRules(runtime, IMAGE, run, [`sl-${run}-0lan`]));
    const results = await Promise.allSettled(asked);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error("could not set the lab's rules on the engine's host: Cannot find device"));
    const logged = execFileSync('cat', [log], { encoding: 'utf8' });
    expect(logged).toContain('ip6tables -I FORWARD -i sl-aaa003-0lan ! -o sl-aaa003-0lan -j DROP');
    expect(logged).not.toContain('sl-bad999');
  });
});
