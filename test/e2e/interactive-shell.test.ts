// `socklab shell HOST` in a real pseudo-terminal. tmux (Debian's, installed by
// scripts/setup.sh --for-tests) runs the CLI in a terminal of its own; the test types
// with send-keys and reads the screen with capture-pane, as a person would.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { listLabs } from '../../src/lab/labs.js';
import { teardownRun } from '../../src/lab/teardown.js';
import { labImageRef } from '../../src/image/lab-image.js';
import { CLI, ROOT, findLeftovers, runCli } from './helpers.js';

const runtime = new DockerRuntime();
const run = promisify(execFile);
// A tmux server of our own (-L): nothing of the user's tmux is touched.
const SOCKET = `socklab-i6-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', SOCKET, ...args], { cwd: ROOT });

async function screen(): Promise<string[]> {
  const { stdout } = await tmux('capture-pane', '-p', '-t', 'shell');
  return stdout.split('\n').map((line) => line.trimEnd());
}

async function waitForScreen(test: (lines: string[]) => boolean, what: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = await screen();
    if (test(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the terminal never showed ${what}; it shows:\n${lines.join('\n')}`);
}

let runId: string | undefined;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-shell-'));
  const up = await runCli(['up', 'test/e2e/scenarios/i6-shell.yaml']);
  expect(up.code, up.stderr + up.stdout).toBe(0);
  runId = /lab i6-shell is up \(run ([0-9a-f]{6})/.exec(up.stdout)?.[1];
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  for (const lab of await listLabs(runtime)) {
    if (lab.scenario === 'i6-shell') await teardownRun(runtime, labImageRef(), lab.runId);
  }
  await rm(dir, { recursive: true, force: true });
});

describe('socklab shell', () => {
  it('gives an interactive TTY shell in the host: hostname, resizing, Ctrl+C, exit code', async () => {
    const exitFile = join(dir, 'exit-code');
    await tmux('new-session', '-d', '-s', 'shell', '-x', '120', '-y', '30', `${process.execPath} ${CLI} shell i6-shell/server; echo $? > ${exitFile}`);
    await waitForScreen((lines) => lines.some((line) => /root@server:.*[#$]$/.test(line)), 'the shell prompt');
    // Nothing has printed the bare host name yet: the line checked below is the command's answer.
    expect(await screen()).not.toContain('server');

    await tmux('send-keys', '-t', 'shell', 'hostname', 'Enter');
    await waitForScreen((lines) => lines.includes('server'), "the host's name");

    // A real terminal in the host, of our terminal's size, following it when it is resized.
    await tmux('send-keys', '-t', 'shell', 'tty; stty size', 'Enter');
    await waitForScreen((lines) => lines.includes('30 120') && lines.some((line) => line.startsWith('/dev/pts/')), 'the tty and its size 30x120');
    await tmux('resize-window', '-t', 'shell', '-x', '90', '-y', '24');
    await tmux('send-keys', '-t', 'shell', 'clear; stty size', 'Enter');
    await waitForScreen((lines) => lines.includes('24 90'), 'the new size 24x90');

    // Raw mode: Ctrl+C interrupts the command in the host, not socklab.
    await tmux('send-keys', '-t', 'shell', 'clear; sleep 600', 'Enter');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tmux('send-keys', '-t', 'shell', 'C-c');
    await tmux('send-keys', '-t', 'shell', 'echo still-$((40 + 2))', 'Enter');
    await waitForScreen((lines) => lines.includes('still-42'), 'the shell alive after Ctrl+C');

    await tmux('send-keys', '-t', 'shell', 'exit 4', 'Enter');
    const deadline = Date.now() + 10_000;
    let code = '';
    while (Date.now() < deadline && code === '') {
      code = (await readFile(exitFile, 'utf8').catch(() => '')).trim();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(code).toBe('4');
  });

  it('reads commands from standard input when it is not a terminal', async () => {
    const child = spawn(process.execPath, [CLI, 'shell', 'i6-shell/server'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end('hostname\nexit 5\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(5);
    expect(stdout).toBe('server\n');
  });

  it('leaves nothing once the lab is down', async () => {
    expect(runId).toBeDefined();
    expect((await runCli(['down', 'i6-shell'])).code).toBe(0);
    expect(await findLeftovers(runtime, runId)).toEqual([]);
  });
});
