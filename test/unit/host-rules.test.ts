// The rules on the engine's host: the helper's batching (labs that ask while a helper runs
// share the next one, and one lab's failure fails that lab only), and their removal (as they
// were made when a keeper names them, else by listing the chains). The scripts are run by a
// real shell, with `ip`, `iptables`, `ip6tables` and their -restore replaced by stand-ins.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBridgeRules, removeBridgeRules } from '../../src/lab/host-rules.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import type { HelperRunOptions } from '../../src/runtime/runtime.js';

const IMAGE = 'socklab-lab:test';

/**
 * Stand-ins for ip, iptables, ip6tables and their -save and -restore: they log what they are
 * asked, keep the rules in a file (iptables -I and -D act on it, -save prints it), and fail on
 * the bridge sl-bad999-0lan. A restore checks its deletes first and then applies every line,
 * or none; it fails once when the file `fail-once` exists (a rule taken away meanwhile).
 */
function standIns(): { path: string; log: string; rules: string; dir: string } {
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
      `${name}-save`,
      [`echo "${name}-save $*" >> ${log}`, `echo '*filter'`, `grep "^${name} -A " ${rules} | sed "s/^${name} //"`, `echo COMMIT`].join('\n'),
    );
    tool(
      `${name}-restore`,
      [
        `batch=$(cat)`,
        `echo "${name}-restore $*" >> ${log}`,
        `[ -f ${dir}/fail-once ] && { rm ${dir}/fail-once; echo "Bad rule (does a matching rule exist in that chain?)" >&2; exit 1; }`,
        `case "$batch" in *sl-bad999-*) echo "Cannot find device" >&2; exit 1 ;; esac`,
        `echo "$batch" | grep '^-D ' | while read -r action rule; do grep -qxF -- "${name} -A $rule" ${rules} || exit 1; done || exit 1`,
        `echo "$batch" | grep '^-[ID] ' | while read -r action rule; do ${name} $action $rule; done`,
      ].join('\n'),
    );
  }
  // The shell finds nothing but these: never the engine host's own ip or iptables, which a
  // stand-in forgotten here would otherwise reach (this test once set real rules that way).
  for (const name of ['cat', 'grep', 'mv', 'rm', 'sed', 'sh', 'tr', 'wc'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim(), join(dir, name));
  return { path: dir, log, rules, dir };
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
  const read = (file: string) => readFileSync(file, 'utf8').trim();
  /** Docker's own rules on a lab bridge: Docker's to remove with the network, never socklab's. */
  const dockers = ['iptables -A FORWARD -o sl-aaa001-0lan -j DOCKER', 'iptables -A DOCKER-ISOLATION-STAGE-1 ! -d 10.0.0.0/24 -i sl-aaa001-0lan -j DROP'];

  it("deletes a run's rules with one read and one transaction per tool, and leaves Docker's own rules on its bridges", async () => {
    const { path, log, rules } = standIns();
    const { runtime, scripts } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    writeFileSync(rules, [...dockers, read(rules)].join('\n') + '\n');
    writeFileSync(log, '');
    expect(await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'] })).toBe(14);
    expect(read(rules).split('\n')).toEqual(dockers);
    expect(scripts).toHaveLength(2);
    const asked = read(log).split('\n');
    expect(asked.filter((line) => /^ip6?tables-(save|restore)/.test(line))).toEqual([
      'iptables-save -t filter',
      'iptables-restore --noflush',
      'ip6tables-save -t filter',
      'ip6tables-restore --noflush',
    ]);
  });

  it('reads and tries again when a transaction fails because a rule went meanwhile', async () => {
    const { path, rules, dir } = standIns();
    const { runtime } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    writeFileSync(join(dir, 'fail-once'), '');
    expect(await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'] })).toBe(14);
    expect(read(rules)).toBe('');
  });

  it('removes what a crashed run of the same id left, and leaves other runs’ rules alone', async () => {
    const { path, rules } = standIns();
    const { runtime } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', bridges);
    await addBridgeRules(runtime, IMAGE, 'aaa002', ['sl-aaa002-0lan']);
    writeFileSync(rules, read(rules) + '\niptables -A INPUT -i sl-aaa001-2old -j DROP\n');
    expect(await removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'] })).toBe(15);
    expect(read(rules).split('\n')).toHaveLength(7);
    expect(read(rules)).not.toContain('sl-aaa001-');
  });
});

describe('removeBridgeRules from many labs at once', () => {
  it('serves labs removed while a helper runs with one more helper, and tells each how many rules were its own', async () => {
    const { path, rules } = standIns();
    const { runtime, scripts } = shellRuntime(path);
    const runs = ['aaa001', 'aaa002', 'aaa003', 'aaa004', 'aaa005'];
    await Promise.all(runs.map((run, index) => addBridgeRules(runtime, IMAGE, run, index === 0 ? [`sl-${run}-0lan`, `sl-${run}-1wan`] : [`sl-${run}-0lan`])));
    scripts.length = 0;
    const removed = await Promise.all(
      runs.map((run, index) =>
        new Promise((resolve) => setTimeout(resolve, index)).then(() => removeBridgeRules(runtime, IMAGE, run, { prefixes: [`sl-${run}-`] })),
      ),
    );
    expect(removed).toEqual([14, 7, 7, 7, 7]);
    expect(scripts).toHaveLength(2);
    expect(readFileSync(rules, 'utf8').trim()).toBe('');
  });

  it('lets a lab stop waiting without stopping the helper the others wait on', async () => {
    const { path, rules } = standIns();
    const { runtime } = shellRuntime(path);
    await addBridgeRules(runtime, IMAGE, 'aaa001', ['sl-aaa001-0lan']);
    await addBridgeRules(runtime, IMAGE, 'aaa002', ['sl-aaa002-0lan']);
    const signals: (AbortSignal | undefined)[] = [];
    const run = runtime.runHelper;
    runtime.runHelper = (options) => (signals.push(options.signal), run(options));
    // A removal under way, so that the next two share the next helper.
    const underWay = removeBridgeRules(runtime, IMAGE, 'aaa003', { prefixes: ['sl-aaa003-'] });
    const impatient = new AbortController();
    const first = removeBridgeRules(runtime, IMAGE, 'aaa001', { prefixes: ['sl-aaa001-'], signal: impatient.signal });
    const second = removeBridgeRules(runtime, IMAGE, 'aaa002', { prefixes: ['sl-aaa002-'] });
    impatient.abort(new Error('interrupted'));
    await expect(first).rejects.toThrow('interrupted');
    expect(await second).toBe(7);
    expect(await underWay).toBe(0);
    expect(readFileSync(rules, 'utf8').trim()).toBe('');
    expect(signals.map((signal) => signal?.aborted)).toEqual([false, false]);
  });
});
