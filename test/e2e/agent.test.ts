// The in-host agent in a real lab host: socklab's commands go through one long-running shell
// instead of one exec each, with the same results (output, exit codes, a user's privileges),
// the agent hidden from the `ps` a student reads, and gone once socklab lets go of it. The
// process that brings a host up speaks to the host's own first process; any other opens an
// agent as an exec.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { Lab } from 'socklab';
import { Lab as LabHandle } from '../../src/lab/lab.js';
import { newRunId, planLab } from '../../src/lab/plan.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { checkScenarioText } from '../../src/scenario/load.js';
import { HostProcesses } from '../../src/in-host/in-host.js';
import { shownObservation } from '../../src/observe/plumbing.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { poll } from '../../src/util/abort.js';
import { findLeftovers } from './helpers.js';

const runtime = new DockerRuntime();
const SCENARIO = {
  name: 'e2e-agent',
  networks: { lan: { subnet: '10.97.81.0/24' } },
  hosts: { box: { networks: { lan: '10.97.81.10' } } },
};

/** The runtime, counting the execs made through it. */
function counted(inner: Runtime) {
  const counts = { exec: 0, openSession: 0 };
  const proxy = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'exec' || property === 'openSession') {
        return (...args: unknown[]) => {
          counts[property] += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { runtime: proxy, counts };
}

describe('the in-host agent', () => {
  it('runs socklab commands in a lab host without an exec each, hidden from ps, and ends when let go', async () => {
    let runId: string;
    {
      await using lab = await Lab.up(SCENARIO);
      runId = lab.runId;
      const [container] = await runtime.listContainers({ [LABEL.run]: runId, [LABEL.host]: 'box' });
      const { runtime: countingRuntime, counts } = counted(runtime);
      const host = new HostProcesses(countingRuntime, container!.name, { host: 'box', restricted: true });

      const started = performance.now();
      for (let round = 0; round < 30; round += 1) {
        const result = await host.command(`echo ${round}; echo to-stderr >&2; exit ${round % 3}`);
        expect(result).toEqual({ exitCode: round % 3, stdout: `${round}\n`, stderr: 'to-stderr\n', timedOut: false, truncated: false });
      }
      const perCommand = (performance.now() - started) / 30;
      // One session for all of them, and no exec (the first command waited for the agent to open).
      expect(counts).toEqual({ exec: 0, openSession: 1 });

      // A command the scenario wrote runs with a user's privileges; socklab's own keep the host's.
      expect((await host.command('ip addr add 192.0.2.77/32 dev lo', { asUser: true })).exitCode).not.toBe(0);
      expect((await host.command('ip addr add 192.0.2.77/32 dev lo && ip addr del 192.0.2.77/32 dev lo')).exitCode).toBe(0);
      // Its deadline holds as an exec's does.
      expect((await host.command('sleep 30', { timeoutMs: 1_000 })).timedOut).toBe(true);

      const ps = await host.command('ps aux');
      expect(ps.stdout).toMatch(/ sh \/lab\/bin\/agent$/m);
      expect(shownObservation('ps', ps.stdout).text).not.toMatch(/agent/);

      // For comparison, the same command as an exec of its own (printed, not asserted: timings vary).
      const execStarted = performance.now();
      for (let round = 0; round < 5; round += 1) await runtime.exec(container!.name, ['sh', '-c', 'echo hi']);
      console.log(`agent: ${perCommand.toFixed(1)} ms a command; exec: ${((performance.now() - execStarted) / 5).toFixed(1)} ms a command`);

      // The host's own (this process brought the lab up) and this one's.
      const agents = async () => (await runtime.exec(container!.name, ['ps', '-eo', 'args'])).stdout.split('\n').filter((line) => line === 'sh /lab/bin/agent');
      expect(await agents()).toHaveLength(2);
      host.close();
      const gone = await poll(async () => ((await agents()).length === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 100 });
      expect(gone).toBe(true);
    }
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  }, 120_000);

  it("speaks to a host it brought up through the host's own first process; let go, the host sleeps on", async () => {
    const checked = checkScenarioText(resolve('e2e-agent-first.yaml'), Buffer.from(stringify({ ...SCENARIO, name: 'e2e-agent-first' })));
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const image = labImageRef();
    const plan = planLab(checked.loaded.scenario, { runId: newRunId(), image });
    const { runtime: countingRuntime, counts } = counted(runtime);
    const lab = await LabHandle.up(countingRuntime, checked.loaded, plan, image, { log: () => undefined });
    try {
      const box = lab.inHost('box');
      for (let round = 0; round < 10; round += 1)
        expect(await box.command(`echo ${round}; exit ${round % 2}`)).toMatchObject({ exitCode: round % 2, stdout: `${round}\n` });
      expect(counts).toEqual({ exec: 0, openSession: 0 });
      const container = lab.host('box').container;
      const processes = async () => (await runtime.exec(container, ['ps', '-eo', 'ppid,pid,args'])).stdout;
      // The host's first process (the shell that set it up) waits for its agent.
      expect(await processes()).toMatch(/^\s*1\s+\d+ sh -s\n(.*\n)*\s*\d+\s+\d+ sh \/lab\/bin\/agent$/m);
      // Let go (this process ends, or closes the host's input): the agent ends, the host runs on.
      box.close();
      const sleeping = await poll(async () => ((await processes()).match(/^\s*1\s+\d+ sleep infinity$/m) ? true : undefined), {
        timeoutMs: 5_000,
        intervalMs: 100,
      });
      expect(sleeping).toBe(true);
      expect(await processes()).not.toMatch(/agent/);
      expect((await runtime.listContainers({ [LABEL.run]: plan.runId })).map((found) => found.state)).toEqual(['running']);
    } finally {
      await lab.teardown();
    }
    expect(await findLeftovers(runtime, plan.runId)).toEqual([]);
  }, 120_000);
});
