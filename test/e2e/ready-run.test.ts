// A run made ready ahead of its turn (InHost.readyRun) in a real lab host: the engine makes
// its exec while the step before goes on, nothing runs until its turn, and it then runs as
// any run does (output, exit code, deadline); one let go of never runs and leaves nothing.
import { describe, expect, it } from 'vitest';
import { Lab } from 'socklab';
import { HostProcesses } from '../../src/in-host/in-host.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { poll } from '../../src/util/abort.js';
import { findLeftovers } from './helpers.js';

const runtime = new DockerRuntime();
const SCENARIO = {
  name: 'e2e-ready-run',
  networks: { lan: { subnet: '10.97.82.0/24' } },
  hosts: { box: { networks: { lan: '10.97.82.10' } } },
};

/** Sinks that keep what they are given. */
function collected() {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return {
    sinks: { stdout: (chunk: Buffer) => void out.push(chunk), stderr: (chunk: Buffer) => void err.push(chunk) },
    text: () => ({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
  };
}

describe('a run made ready ahead of its turn', () => {
  it('starts nothing until its turn, then runs as any run; let go of, it never runs', async () => {
    let runId: string;
    {
      await using lab = await Lab.up(SCENARIO);
      runId = lab.runId;
      const [container] = await runtime.listContainers({ [LABEL.run]: runId, [LABEL.host]: 'box' });
      const host = new HostProcesses(runtime, container!.name, { host: 'box', restricted: true });
      const exists = async (path: string) => (await runtime.exec(container!.name, ['test', '-e', path])).exitCode === 0;
      const launchers = async () =>
        (await runtime.exec(container!.name, ['ps', '-eo', 'args'])).stdout.split('\n').filter((line) => line.includes('/lab/bin/launch'));

      const argv = ['sh', '-c', 'touch /tmp/started; echo out; echo err >&2; exit 3'];
      host.readyRun('ready-1', argv, { GREETING: 'hi' });
      // Its launcher waits at the gate: there, and nothing started.
      expect(await poll(async () => ((await launchers()).length === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 })).toBe(true);
      expect(await exists('/tmp/started')).toBe(false);
      const output = collected();
      const result = await host.runToCompletion('ready-1', argv, { env: { GREETING: 'hi' }, timeoutMs: 10_000, sinks: output.sinks });
      expect(result).toEqual({ end: { code: 3 }, timedOut: false });
      expect(output.text()).toEqual({ stdout: 'out\n', stderr: 'err\n' });
      expect(await exists('/tmp/started')).toBe(true);

      // Past its deadline, its whole group is stopped, as for any run.
      host.readyRun('ready-2', ['sleep', '30']);
      const late = await host.runToCompletion('ready-2', ['sleep', '30'], { timeoutMs: 1_000, graceMs: 1_000, sinks: collected().sinks });
      expect(late).toMatchObject({ timedOut: true, stop: { end: { code: 143, signal: 'SIGTERM' } } });

      // Made ready for another command than the one run: that one runs instead, the other never.
      host.readyRun('ready-3', ['sh', '-c', 'touch /tmp/wrong']);
      const other = collected();
      expect(await host.runToCompletion('ready-3', ['echo', 'right'], { timeoutMs: 10_000, sinks: other.sinks })).toEqual({
        end: { code: 0 },
        timedOut: false,
      });
      expect(other.text().stdout).toBe('right\n');

      // Let go of: the launcher ends without starting anything.
      host.readyRun('ready-4', ['sh', '-c', 'touch /tmp/dropped']);
      expect(await poll(async () => ((await launchers()).length === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 })).toBe(true);
      host.dropReadyRuns();
      // Let go of before its exec has even started, over and over: the engine may lose an
      // input's end that comes that early, so the gate is shut by a word, which it never loses.
      for (let round = 0; round < 10; round++) {
        host.readyRun(`early-${round}`, ['sh', '-c', 'touch /tmp/dropped']);
        host.dropReadyRuns();
      }
      // A launcher let go of ends at once; the wait is long only because a busy engine answers slowly.
      expect(await poll(async () => ((await launchers()).length === 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 })).toBe(true);
      expect(await exists('/tmp/dropped')).toBe(false);
      expect(await exists('/tmp/wrong')).toBe(false);
      host.close();
    }
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  }, 120_000);
});
