// The rules on the engine's host: the helper's batching (labs that ask while a helper runs
// share the next one, and one lab's failure fails that lab only), and their removal (as they
// were made when a keeper names them, else by listing the chains). The scripts are run by a
// real shell, with `ip`, `iptables`, `ip6tables` and their -restore replaced by stand-ins.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBridgeRules, removeBridgeRules } from '../../src/lab/host-rules.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import type { HelperRunOptions } from '../../src/runtime/runtime.js';

const IMAGE = 'socklab-lab:test';

/**
 * Stand-ins for ip, iptables, ip6tables and their -restore: they log their arguments, keep the
 * rules in a file (iptables -I, -D and -S act on it), and fail on the bridge sl-bad999-0lan.
 * A restore checks its deletes first and then applies every line, or none.
 */
function standIns(): { path: string; log: string; rules: string } {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-rules-'));
  const log = join(dir, 'log');
  const rules = join(dir, 'rules');
  writeFileSync(rules, '');
  const refuseBad = `case "$*" in *sl-bad999-*) echo "Cannot find device" >&2; exit 1 ;; esac`;
  const tool = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  tool('ip', `${refuseBad}\necho "ip $*" >> ${log}`);
  for (const name of ['iptables', 'ip6tables']) {
    tool(
      name,
      [
        refuseBad,
        `echo "${name} $*" >> ${log}`,
        `action=$1; shift`,
        `case $action in`,
        `  -I) echo "${name} -A $*" >> ${rules} ;;`,
        `  -D) grep -qxF -- "${name} -A $*" ${rules} || { echo "Bad rule" >&2; exit 1; }; grep -vxF -- "${name} -A $*" ${rules} > ${rules}.new; mv ${rules}.new ${rules} ;;`,
        `  -S) grep "^${name} -A $1 " ${rules} | sed "s/^${name} //" ;;`,
        `esac`,
      ].join('\n'),
    );
    tool(
      `${name}-restore`,
      [
        `batch=$(cat)`,
        `case "$batch" in *sl-bad999-*) echo "Cannot find device" >&2; exit 1 ;; esac`,
        `echo "$batch" | grep '^-D ' | while read -r action rule; do grep -qxF -- "${name} -A $rule" ${rules} || exit 1; done || exit 1`,
        `echo "$batch" | grep '^-[ID] ' | while read -r action rule; do ${name} $action $rule; done`,
      ].join('\n'),
    );
  }
  // The shell finds nothing but these: never the engine host's own ip or iptables, which a
  // stand-in forgotten here would otherwise reach (this test once set real rules that way).
  for (const name of ['cat', 'grep', 'mv', 'sed', 'sh', 'tr'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim(), join(dir, name));
  return { path: dir, log, rules };
}

/** A runtime whose helper runs its script in a real shell, slowly enough for others to queue. */
function shellRuntime(path: string): { runtime: FakeRuntime; scripts: string[] } {
  const runtime = new FakeRuntime({ images: [IMAGE] });
  const scripts: string[] = [];
  runtime.runHelper = async (options: HelperRunOptions) => {
    const script = options.command[2]!;
    scripts.push(script);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stdout = execFileSync('/bin/sh', ['-c', script], { env: { PATH: path }, encoding: 'utf8' });
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

describe('removeBridgeRules', () => {
  const bridges = ['sl-aaa001-0lan', 'sl-aaa001-1wan'];
  const rulesLeft = (rules: string) => execFileSync('cat', [rules], { encoding: 'utf8' }).trim();

  it('deletes the rules a keeper set as they were made, one transaction per tool, without listing the chains', async () => {
    const { path, log, rules } = standIns();
    const { runtime, scripts } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    expect(rulesLeft(rules).split('\n')).toHaveLength(14);
    const removed = await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'], bridges });
    expect(removed).toBe(14);
    expect(rulesLeft(rules)).toBe('');
    expect(scripts).toHaveLength(2);
    expect(execFileSync('cat', [log], { encoding: 'utf8' })).not.toMatch(/ -S /);
  });

  it('lists the chains and deletes by text when the rules are not all there as made, and then also what a crashed run left', async () => {
    const { path, log, rules } = standIns();
    const { runtime } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    // One rule gone meanwhile, one of an older bridge of the run that no keeper names.
    const edited = rulesLeft(rules)
      .split('\n')
      .filter((rule) => rule !== 'iptables -A INPUT -i sl-aaa001-0lan -j DROP');
    writeFileSync(rules, [...edited, 'iptables -A INPUT -i sl-aaa001-2old -j DROP'].join('\n') + '\n');
    const removed = await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'], bridges });
    expect(removed).toBe(14);
    expect(rulesLeft(rules)).toBe('');
    expect(execFileSync('cat', [log], { encoding: 'utf8' })).toMatch(/iptables -S DOCKER-USER/);
  });

  it('leaves other runs’ rules alone', async () => {
    const { path, rules } = standIns();
    const { runtime } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    await addBridgeRules(runtime, IMAGE, 'aaa002', ['sl-aaa002-0lan']);
    expect(await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'] })).toBe(14);
    expect(rulesLeft(rules).split('\n')).toHaveLength(7);
    expect(rulesLeft(rules)).not.toContain('sl-aaa001-');
  });
});
