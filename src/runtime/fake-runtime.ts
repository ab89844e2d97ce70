// An in-memory runtime for fast tests of orchestration logic (bring-up order, teardown on
// failure, label-based cleanup). It never stands in for the engine in e2e tests.
import { readFileSync } from 'node:fs';
import { overlaps } from '../util/ipv4.js';
import { EngineError } from './runtime.js';
import type {
  ContainerInfo,
  ContainerSpec,
  EngineCapacity,
  EngineInfo,
  ExecOptions,
  ExecResult,
  ExecSession,
  FileToCopy,
  HelperRunOptions,
  ImageInfo,
  NetworkInfo,
  NetworkSpec,
  Runtime,
  ScriptStart,
} from './runtime.js';

type Method = keyof Runtime;

export interface FakeRuntimeOptions {
  /** Throw from `method` when its first argument (a name) matches. */
  failOn?: { method: Method; name?: string; error?: Error }[];
  /** Networks that already exist on the "engine" (not socklab's). */
  existingNetworks?: NetworkInfo[];
  images?: string[];
  /** Answers for exec, by container and command. */
  execAnswer?: (container: string, command: string[]) => ExecResult | undefined;
}

export class FakeRuntime implements Runtime {
  readonly calls: { method: Method; args: unknown[] }[] = [];
  readonly networks = new Map<string, NetworkSpec | NetworkInfo>();
  readonly containers = new Map<string, ContainerSpec & { running: boolean }>();
  readonly files = new Map<string, Buffer>();
  readonly hostRules = new Set<string>();
  /** Helpers started to stay (startHelper): their commands act on the engine host. */
  private readonly keepers = new Set<string>();
  private readonly images: Set<string>;

  constructor(private readonly options: FakeRuntimeOptions = {}) {
    for (const network of options.existingNetworks ?? []) this.networks.set(network.name, network);
    this.images = new Set(options.images ?? []);
  }

  private call(method: Method, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.options.failOn?.find((f) => f.method === method && (f.name === undefined || f.name === args[0]));
    if (failure) throw failure.error ?? new Error(`fake ${method} failure for ${String(args[0])}`);
  }

  async engineInfo(): Promise<EngineInfo> {
    this.call('engineInfo');
    return { version: 'fake', apiVersion: '1.41', os: 'linux/fake' };
  }
  async engineCapacity(): Promise<EngineCapacity> {
    this.call('engineCapacity');
    return { cpus: 2, memoryBytes: 24 * 1024 ** 3 };
  }
  async findImage(ref: string): Promise<ImageInfo | undefined> {
    this.call('findImage', ref);
    return this.images.has(ref) ? { ref, sizeBytes: 1 } : undefined;
  }
  async listImages(repository: string): Promise<ImageInfo[]> {
    this.call('listImages', repository);
    return [...this.images].filter((ref) => ref.startsWith(`${repository}:`)).map((ref) => ({ ref, sizeBytes: 1 }));
  }
  async importImage(tarPath: string, ref: string): Promise<void> {
    this.call('importImage', tarPath, ref);
    this.images.add(ref);
  }
  async buildImage(_contextDir: string, ref: string): Promise<void> {
    this.call('buildImage', ref);
    this.images.add(ref);
  }
  async removeImage(ref: string): Promise<void> {
    this.call('removeImage', ref);
    this.images.delete(ref);
  }
  async listNetworks(): Promise<NetworkInfo[]> {
    this.call('listNetworks');
    return [...this.networks.values()].map((network) =>
      'subnet' in network
        ? { name: network.name, id: network.name, subnets: [network.subnet], bridgeName: network.bridgeName, labels: network.labels }
        : network,
    );
  }
  async createNetwork(spec: NetworkSpec): Promise<void> {
    this.call('createNetwork', spec.name);
    // As Docker's address management: one subnet, one network.
    const taken = (await this.listNetworks()).some((network) => network.subnets.some((subnet) => overlaps(subnet, spec.subnet)));
    if (taken) throw new EngineError('rejected', `creating network ${spec.name}`, 'Pool overlaps with other one on this address space');
    this.networks.set(spec.name, spec);
  }
  async removeNetwork(name: string): Promise<void> {
    this.call('removeNetwork', name);
    const inUse = [...this.containers.values()].some((c) => c.networks.some((n) => n.network === name));
    if (inUse) throw new Error(`network ${name} has active endpoints`);
    this.networks.delete(name);
  }
  async createContainer(spec: ContainerSpec): Promise<void> {
    this.call('createContainer', spec.name);
    this.containers.set(spec.name, { ...spec, running: false });
  }
  async startContainer(name: string): Promise<void> {
    this.call('startContainer', name);
    const container = this.containers.get(name);
    if (!container) throw new Error(`no container ${name}`);
    container.running = true;
  }
  async startWithScript(name: string, script: string, options: { whileSettingUp?: () => Promise<void> }): Promise<ScriptStart> {
    this.call('startWithScript', name, script);
    const container = this.containers.get(name);
    if (!container) throw new Error(`no container ${name}`);
    container.running = true;
    await options.whileSettingUp?.();
    const answer = this.options.execAnswer?.(name, ['sh', '-s', script]);
    if (answer && answer.exitCode !== 0) {
      container.running = false;
      return { ready: false, timedOut: false, exitCode: answer.exitCode, output: answer.stderr || answer.stdout };
    }
    return { ready: true };
  }
  async removeContainer(name: string): Promise<void> {
    this.call('removeContainer', name);
    this.containers.delete(name);
    this.keepers.delete(name);
  }
  async listContainers(filter: Record<string, string> | string[]): Promise<ContainerInfo[]> {
    this.call('listContainers', filter);
    const matches = (labels: Record<string, string>) =>
      Array.isArray(filter) ? filter.every((key) => key in labels) : Object.entries(filter).every(([key, value]) => labels[key] === value);
    return [...this.containers.values()]
      .filter((container) => matches(container.labels))
      .map((container) => ({
        name: container.name,
        id: container.name,
        state: container.running ? 'running' : 'created',
        image: container.image,
        labels: container.labels,
        ips: Object.fromEntries(container.networks.map((n) => [n.network, n.ip])),
      }));
  }
  async copyFiles(container: string, files: FileToCopy[]): Promise<void> {
    this.call('copyFiles', container);
    for (const file of files) this.files.set(`${container}:${file.path}`, 'content' in file ? file.content : readFileSync(file.source));
  }
  async exec(container: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.call('exec', container, command);
    if (!this.containers.get(container)?.running) throw new Error(`container ${container} is not running`);
    if (this.keepers.has(container)) return this.onEngineHost(command.at(-1) ?? '');
    const answer = this.options.execAnswer?.(container, command) ?? { exitCode: 0, stdout: '', stderr: '' };
    // Output for a sink goes to the sink, as the real runtime does.
    if (options.stdout && answer.stdout) await options.stdout(Buffer.from(answer.stdout));
    if (options.stderr && answer.stderr) await options.stderr(Buffer.from(answer.stderr));
    return { exitCode: answer.exitCode, stdout: options.stdout ? '' : answer.stdout, stderr: options.stderr ? '' : answer.stderr };
  }
  /** The fake has no long-running commands: callers fall back to one exec per command. */
  async openSession(container: string, command: string[]): Promise<ExecSession> {
    this.call('openSession', container, command);
    throw new Error('the fake runtime runs no sessions');
  }
  async execDetached(container: string, command: string[]): Promise<void> {
    this.call('execDetached', container, command);
  }
  async execInteractive(container: string, command: string[]): Promise<number> {
    this.call('execInteractive', container, command);
    return 0;
  }
  /**
   * Understands the host-rule scripts of lab/host-rules.ts: transactions that insert rules
   * (kept as "TOOL RULE" lines), and the removal of every rule naming a bridge prefix.
   */
  async runHelper(options: HelperRunOptions): Promise<ExecResult> {
    this.call('runHelper', options.command.join(' '));
    return this.onEngineHost(options.command[2] ?? '');
  }
  /** A helper that stays: a container like the others, whose commands act on the engine's host as runHelper's do. */
  async startHelper(options: HelperRunOptions & { name: string }): Promise<void> {
    this.call('startHelper', options.name);
    this.containers.set(options.name, {
      name: options.name,
      hostname: options.name,
      image: options.image,
      labels: options.labels,
      networks: [],
      env: {},
      capAdd: options.capAdd,
      sysctls: {},
      command: options.command,
      limits: { memoryBytes: 64 * 1024 * 1024, pids: 64, cpus: 1 },
      readOnlyRoot: false,
      scratch: {},
      running: true,
    });
    this.keepers.add(options.name);
  }
  private onEngineHost(script: string): ExecResult {
    // Inserts: iptables-restore transactions of -I lines.
    for (const [, tool, body] of script.matchAll(/(ip6?tables)-restore --noflush <<RULES\n\*filter\n([\s\S]*?)\nCOMMIT\nRULES$/gm)) {
      for (const line of body!.split('\n')) if (line.startsWith('-I ')) this.hostRules.add(`${tool} ${line.slice(3)}`);
    }
    // The removal: every rule naming a bridge of a group's prefixes, counted per group.
    const groups = [...script.matchAll(/^ +n(\d+)=\$\(\(n\d+ \+ .*grep -c (.*)\)\)\)$/gm)].map((match) => ({
      index: Number(match[1]),
      prefixes: [...match[2]!.matchAll(/-e '-\[io\] ([^']+)'/g)].map((prefix) => prefix[1]!),
    }));
    if (groups.length > 0) {
      const lines = [...new Map(groups.map((group) => [group.index, group])).values()].map(({ index, prefixes }) => {
        const removed = [...this.hostRules].filter((rule) => prefixes.some((prefix) => rule.includes(`-i ${prefix}`) || rule.includes(`-o ${prefix}`)));
        for (const rule of removed) this.hostRules.delete(rule);
        return `removed ${index} ${removed.length}\n`;
      });
      return { exitCode: 0, stdout: lines.join(''), stderr: '' };
    }
    return { exitCode: 0, stdout: '', stderr: '' };
  }
}
