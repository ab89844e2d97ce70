// socklab as a library in a test suite, as docs/library.md shows it: a lab from a scenario
// object, a socket program started in it, a netstat row checked, the lab gone when the block
// ends (`await using`), and nothing left behind, even when the test body throws.
import { describe, expect, it } from 'vitest';
import { Lab, ScenarioError } from 'socklab';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers } from './helpers.js';

const runtime = new DockerRuntime();
const SCENARIO = {
  name: 'e2e-library',
  networks: { lan: { subnet: '10.97.80.0/24' } },
  hosts: { server: { networks: { lan: '10.97.80.10' } }, client: { networks: { lan: '10.97.80.20' } } },
};

describe('the library API', () => {
  it('brings a lab up, runs a server, checks a netstat row, and takes the lab down at the end of the block', async () => {
    let runId: string;
    {
      await using lab = await Lab.up(SCENARIO);
      runId = lab.runId;
      expect(lab.hosts).toEqual(['server', 'client']);
      await lab.start('server', 'programs/tcp-hello-server.ts', {
        id: 'hello',
        args: ['--port', '60001', '--count', '0'],
        waitFor: { port: 60001 },
      });
      const client = await lab.exec('client', ['nc', '-w', '2', '10.97.80.10', '60001']);
      expect(client.stdout).toContain('Hello World!');
      const rows = await lab.netstat('server');
      expect(rows).toContainEqual(expect.objectContaining({ protocol: 'tcp', state: 'LISTEN', local: { ip: '0.0.0.0', port: 60001 } }));
      expect(rows.some((row) => row.remote.ip === '10.97.80.20' && row.local.port === 60001)).toBe(true);
      expect(await lab.output('hello')).toMatch(/connection from 10\.97\.80\.20:\d+/);
      await lab.stop('hello');
      expect((await lab.netstat('server')).filter((row) => row.state === 'LISTEN')).toEqual([]);
      const { captures } = await lab.capture('client', () => lab.exec('client', 'ping -c 1 10.97.80.10'), { filter: 'icmp' });
      expect(captures[0]!.packets).toBe(2);
    }
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  }, 120_000);

  it('takes the lab down when the block throws, and refuses a bad scenario before making anything', async () => {
    let runId = '';
    await expect(
      (async () => {
        await using lab = await Lab.up(SCENARIO, { name: 'e2e-library-throws' });
        runId = lab.runId;
        throw new Error('the test failed');
      })(),
    ).rejects.toThrow('the test failed');
    expect(await findLeftovers(runtime, runId)).toEqual([]);
    const bad = { ...SCENARIO, hosts: { server: { networks: { lan: '10.97.81.10' } } } };
    await expect(Lab.up(bad)).rejects.toBeInstanceOf(ScenarioError);
  }, 120_000);
});
