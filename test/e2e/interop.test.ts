// Interop between the seeds' Python programs and the TypeScript ones, on separate lab
// hosts, through the real CLI: the bytes on the wire are the contract, not the
// language. Each test checks who ran where (ps in the hosts, language-specific output)
// so a run where both ends were secretly the same program could not pass.
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { findLeftovers, observedSection, runCli, runIdOf } from './helpers.js';

const runtime = new DockerRuntime();

/** The lines a host printed, without the `host | ` prefix, in order. */
function hostLines(stdout: string, host: string): string[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^(\S+)\s+\| (.*)$/.exec(line);
    return match && match[1] === host ? [match[2]!] : [];
  });
}

describe('interop across languages', () => {
  it("seed 000's Python TCP client gets its echo from the TypeScript echo server", async () => {
    const { code, stdout, stderr } = await runCli(['run', 'scenarios/interop-tcp-echo.yaml']);
    expect(code, stdout + stderr).toBe(0);

    const client = hostLines(stdout, 'client');
    // Python's datetime.now() print, then print('Received', repr(data)): only the seed's
    // Python client prints these two lines this way.
    expect(client[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} TCP client start$/);
    expect(client).toContain("Received b'Hello TCP'");
    expect(stdout).toMatch(/▶ step \d+ run on client: programs\/python\/seed000_tcp_client\.py 10\.20\.19\.10/);

    // The TypeScript server saw the Python client's real address and bytes.
    const server = hostLines(stdout, 'server');
    expect(server).toContain('listening on 0.0.0.0:50000 (tcp)');
    expect(
      server.some((line) => /^received from 10\.20\.19\.20:\d+: b'Hello TCP'$/.test(line)),
      server.join('\n'),
    ).toBe(true);
    const serverPs = observedSection(stdout, 'server', 'ps aux');
    expect(serverPs).toMatch(/node \/lab\/programs\/tcp-echo-server\.js --port 50000/);
    expect(serverPs).not.toMatch(/python3/);

    expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
  });

  it("the TypeScript UDP client counts 1, 2, 3 against seed 001's Python counter server", async () => {
    const { code, stdout, stderr } = await runCli(['run', 'scenarios/interop-udp-counter.yaml']);
    expect(code, stdout + stderr).toBe(0);

    // Three separate runs of the TypeScript client, in order.
    const received = hostLines(stdout, 'client').filter((line) => line.startsWith('received: '));
    expect(received).toEqual(['received: Server accessed.(1)', 'received: Server accessed.(2)', 'received: Server accessed.(3)']);
    expect(stdout.match(/run on client: programs\/udp-counter-client\.ts --host 10\.20\.20\.10 --port 49152/g)).toHaveLength(3);

    // The seed's Python server, with its Japanese messages, answered each one.
    const server = hostLines(stdout, 'server');
    expect(server).toContain('サーバ起動しました。クライアントの接続待ち');
    expect(server.filter((line) => line.startsWith('送信メッセージ= '))).toEqual([
      '送信メッセージ= Server accessed.(1)',
      '送信メッセージ= Server accessed.(2)',
      '送信メッセージ= Server accessed.(3)',
    ]);
    const serverPs = observedSection(stdout, 'server', 'ps aux');
    expect(serverPs).toMatch(/python3 -u \/lab\/programs\/seed001_udp_server\.py/);
    expect(serverPs).not.toMatch(/node \/lab/);

    expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
  });
});
