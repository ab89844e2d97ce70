// The impure half of `npm run bench`: timed child processes (with their peak memory when
// asked), the Docker CLI calls the runner makes itself, and removing the baselines' objects.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlaps } from '../../src/util/ipv4.js';

/** Every object a baseline makes carries this label, and its name starts with `sl-bench-`. */
export const BASELINE_LABEL = 'socklab.run=bench-baseline';

const TAIL_BYTES = 16 * 1024;
const TIME = '/usr/bin/time';

export interface Timed {
  seconds: number;
  /** Peak resident memory of the process, MB (with `measureMemory`). */
  peakMb?: number;
}

export class RunFailed extends Error {}

let interrupted = false;
const children = new Set<ReturnType<typeof spawn>>();

/**
 * Ctrl+C reaches the running child through the terminal (same process group) and it tears its
 * own lab down; the runner then stops measuring, cleans up and exits 130.
 */
export function onInterrupt(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}: stopping after the current command, then cleaning up\n`);
      // SIGTERM and SIGHUP do not come through the terminal: pass them on.
      if (signal !== 'SIGINT') for (const child of children) child.kill(signal);
    });
  }
}

export function wasInterrupted(): boolean {
  return interrupted;
}

export function checkInterrupted(): void {
  if (interrupted) throw new RunFailed('interrupted');
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Measure the peak RSS (with /usr/bin/time, else by polling /proc). */
  measureMemory?: boolean;
  /** Let a failure pass (cleanup commands). */
  allowFailure?: boolean;
}

/** Runs `command args`, returning its wall time; fails with the tail of its output when it fails. */
export async function timed(command: string, args: string[], options: RunOptions): Promise<Timed> {
  // Cleanup commands (allowed to fail) still run after Ctrl+C; measured ones do not start.
  if (!options.allowFailure) checkInterrupted();
  const useTime = options.measureMemory === true && existsSync(TIME);
  const scratch = useTime ? await mkdtemp(join(tmpdir(), 'socklab-bench-')) : undefined;
  const rssFile = scratch ? join(scratch, 'rss') : undefined;
  const [file, argv] = rssFile ? [TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const tails = { stdout: '', stderr: '' };
  const started = performance.now();
  const child = spawn(file, argv, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let polledKb = 0;
  const poller =
    options.measureMemory && !useTime && child.pid !== undefined
      ? setInterval(() => {
          polledKb = Math.max(polledKb, vmHighWaterKb(child.pid!));
        }, 50)
      : undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      tails[stream] = (tails[stream] + chunk).slice(-TAIL_BYTES);
    });
  }
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    const seconds = (performance.now() - started) / 1000;
    if ((code !== 0 || signal) && !options.allowFailure) {
      const how = signal ? `was stopped by ${signal}` : `exited ${code}`;
      throw new RunFailed(`${[command, ...args].join(' ')} ${how}:\n${tails.stdout.trim()}\n${tails.stderr.trim()}`.trim());
    }
    let peakMb: number | undefined;
    if (rssFile) peakMb = Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) / 1024;
    else if (poller) peakMb = polledKb / 1024;
    return { seconds, peakMb };
  } finally {
    children.delete(child);
    if (poller) clearInterval(poller);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** VmHWM (the peak resident set) of a process, kB; 0 once it is gone. */
function vmHighWaterKb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** A Docker CLI call whose output the runner needs (not a measured one). */
export function docker(args: string[]): string {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.error) throw new RunFailed(`docker ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new RunFailed(`docker ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

export function engineVersion(): string {
  return docker(['version', '--format', '{{.Server.Version}}']).trim();
}

/** Removes every container and network with the baselines' label. Returns what it removed. */
export function removeBaselineObjects(): string[] {
  const containers = docker(['ps', '-aq', '--filter', `label=${BASELINE_LABEL}`])
    .split('\n')
    .filter(Boolean);
  if (containers.length > 0) docker(['rm', '-f', ...containers]);
  const networks = docker(['network', 'ls', '-q', '--filter', `label=${BASELINE_LABEL}`])
    .split('\n')
    .filter(Boolean);
  if (networks.length > 0) docker(['network', 'rm', ...networks]);
  return [...containers.map((id) => `container ${id.slice(0, 12)}`), ...networks.map((id) => `network ${id.slice(0, 12)}`)];
}

/** Every network on the engine with its IPv4 subnets. */
export function engineSubnets(): { network: string; subnet: string }[] {
  const ids = docker(['network', 'ls', '-q']).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const lines = docker(['network', 'inspect', '--format', '{{.Name}}{{range .IPAM.Config}} {{.Subnet}}{{end}}', ...ids]).split('\n');
  return lines.flatMap((line) => {
    const [network, ...subnets] = line.trim().split(' ');
    return subnets.filter((subnet) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)).map((subnet) => ({ network: network!, subnet }));
  });
}

/** The first of `candidates` that overlaps no network on the engine, nor any of `besides`. */
export function freeBlock(candidates: string[], besides: string[] = []): string {
  const taken = [...engineSubnets().map(({ subnet }) => subnet), ...besides];
  const free = candidates.find((candidate) => !taken.some((subnet) => overlaps(candidate, subnet)));
  if (!free) throw new RunFailed(`every candidate block is taken on the engine: ${candidates.join(', ')}`);
  return free;
}

/** Whether `command` exists on PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs a Debian package when this machine can (root, apt-get); returns undefined on
 * success or the reason it could not.
 */
export function aptInstall(pkg: string, log: (line: string) => void): string | undefined {
  if (process.getuid?.() !== 0) return 'installing needs root';
  if (!onPath('apt-get')) return 'apt-get is not available';
  log(`  installing Debian's ${pkg} package (apt-get install -y ${pkg})`);
  const result = spawnSync('apt-get', ['install', '-y', '-q', pkg], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0) return undefined;
  const last = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-3).join(' / ');
  return `apt-get install -y ${pkg} exited ${result.status}: ${last}`;
}
