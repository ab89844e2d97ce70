// socklab in a container (docker-compose.yml's `socklab` service, its image built offline
// from the lab image by scripts/build-cli-image.sh): a lesson runs and passes from inside it,
// host rules and captures included, and leaves nothing; a lab it brings up is the same lab
// for `socklab status` on the machine, and goes with its `down`.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, ROOT, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();
const compose = (args: string[]) =>
  execFileSync('docker-compose', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });

describe('the socklab service of docker-compose.yml', () => {
  it('is a file docker-compose accepts', () => {
    expect(compose(['config', '-q'])).toBe('');
  });

  it('runs a lesson from inside its container, and what it brings up is the same lab for socklab status', { timeout: 300_000 }, async () => {
    execFileSync('bash', ['scripts/build-cli-image.sh'], { cwd: ROOT, stdio: 'ignore' });
    const run = compose(['run', '--rm', 'socklab', 'run', 'scenarios/nat-pat.yaml']);
    expect(run).toMatch(/✔ 6 passed, 0 failed/);
    expect(run).toMatch(/capture on routerA/);
    expect(await findLeftovers(runtime, runIdOf(run))).toEqual([]);

    compose(['run', '--rm', 'socklab', 'up', 'scenarios/tcp-hello.yaml', '--name', 'e2e-compose-lab']);
    const status = await runCli(['status']);
    expect(status.stdout).toMatch(/e2e-compose-lab\s+\(tcp-hello\)/);
    expect(compose(['run', '--rm', 'socklab', 'down', 'e2e-compose-lab'])).toMatch(/removed lab e2e-compose-lab/);
    expect((await runCli(['status'])).stdout).not.toContain('e2e-compose-lab');
  });
});
