// Shared by the e2e tests: running the real CLI, and finding what a run left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /**
   * The result, or, when the CLI has not ended within `ms`, an error that shows what it was
   * waiting for: its output, its JavaScript stack and the handles that kept it alive (from a
   * Node diagnostic report); the CLI is then killed (its reaper removes its labs).
   */
  resultWithin(ms: number): Promise<CliResult>;
  /** Resolves when the combined output first matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Stops reading the CLI's standard output, as `| head` does once it has its lines. */
  closeStdout(): void;
  /** What it has printed so far (stdout and stderr). */
  output(): string;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  // On SIGUSR2 the CLI writes a diagnostic report here (resultWithin); nothing else sends it.
  const reports = mkdtempSync(join(tmpdir(), 'socklab-cli-report-'));
  const child = spawn(process.execPath, ['--report-on-signal', `--report-directory=${reports}`, CLI, ...args], {
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
  const result = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      rmSync(reports, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const resultWithin = async (ms: number): Promise<CliResult> => {
    const late = Symbol('late');
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([result, new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
    clearTimeout(timer);
    if (first !== late) return first;
    child.kill('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const report = readdirSync(reports).map((file) => readFileSync(join(reports, file), 'utf8'))[0];
    child.kill('SIGKILL');
    throw new Error(`the CLI did not end within ${ms / 1000} s; output:\n${stdout}\n${stderr}\n${report ? describeReport(report) : '(no diagnostic report)'}`);
  };
  return {
    result,
    resultWithin,
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

/** From a Node diagnostic report: where the JavaScript was, and what kept the event loop alive. */
function describeReport(text: string): string {
  const report = JSON.parse(text) as {
    javascriptStack?: { message?: string; stack?: string[] };
    libuv?: { type: string; is_active?: boolean; is_referenced?: boolean; [key: string]: unknown }[];
  };
  const alive = (report.libuv ?? []).filter((handle) => handle.is_active && handle.is_referenced);
  return [
    `JavaScript stack: ${report.javascriptStack?.message ?? ''}`,
    ...(report.javascriptStack?.stack ?? []).map((line) => `  ${line}`),
    'handles keeping it alive:',
    ...alive.map((handle) => `  ${JSON.stringify(handle)}`),
  ].join('\n');
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
