// Shared by the e2e tests: running the real CLI, and finding what a run left behind.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LABEL } from '../../src/runtime/labels.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { listBridgeRules } from '../../src/lab/host-rules.js';
import { labImageRef } from '../../src/image/lab-image.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/socklab.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  result: Promise<CliResult>;
  /** Resolves when the combined output first matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Stops reading the CLI's standard output, as `| head` does once it has its lines. */
  closeStdout(): void;
  /** What it has printed so far (stdout and stderr). */
  output(): string;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const watcher of [...watchers]) {
      if (watcher.pattern.test(stdout + stderr)) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    result,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${stdout}\n${stderr}`)), timeoutMs);
        watchers.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        check();
      }),
    kill: (signal) => child.kill(signal),
    closeStdout: () => child.stdout.destroy(),
    output: () => stdout + stderr,
  };
}

export const runCli = (args: string[], env?: Record<string, string>) => startCli(args, env).result;

/** Every socklab container, network and host rule on the engine, optionally of one run. */
export async function findLeftovers(runtime: Runtime, runId?: string): Promise<string[]> {
  const containers = await runtime.listContainers(runId ? { [LABEL.run]: runId } : [LABEL.run]);
  const networks = (await runtime.listNetworks()).filter((network) => (runId ? network.labels[LABEL.run] === runId : LABEL.run in network.labels));
  const rules = (await listBridgeRules(runtime, labImageRef())).filter((rule) => !runId || rule.includes(`sl-${runId}-`));
  return [...containers.map((c) => `container ${c.name}`), ...networks.map((n) => `network ${n.name}`), ...rules.map((r) => `rule ${r}`)];
}

/** The text printed under `── HOST: TITLE` by an observe step. */
export function observedSection(output: string, host: string, titleStart: string): string {
  const start = output.indexOf(`── ${host}: ${titleStart}`);
  if (start < 0) return '';
  const rest = output.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => line.startsWith('── ') || line.startsWith('▶ ') || line.startsWith('✔') || line.startsWith('✘'));
  return rest.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The run id printed by `socklab run` ("... (run abc123)"). */
export function runIdOf(output: string): string | undefined {
  return /\(run ([0-9a-f]{6})\)/.exec(output)?.[1];
}
