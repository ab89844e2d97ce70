// The Docker implementation of the runtime: the only module in socklab that imports
// dockerode. Everything it returns is in the project's own types (runtime/runtime.ts), and
// every failure is one of the runtime's errors, worded without HTTP codes.
//
// Every call runs under a deadline joined with the caller's AbortSignal, so a stuck engine
// or a Ctrl+C never leaves socklab waiting. Command output is streamed with back-pressure
// (a slow consumer pauses the engine's stream) and never collected whole, whatever a
// program prints.
import Docker from 'dockerode';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pipeline } from 'node:stream/promises';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { deadline, deadlineTimer, sleep, type Deadline, type DeadlineMs } from '../../util/abort.js';
import { labelHandle } from '../../util/open-handles.js';
import { HeadBuffer, TailBuffer } from '../../util/bounded-output.js';
import { Slots } from '../../util/slots.js';
import { FrameSplitter, splitFrames } from './frames.js';
import {
  ConflictError,
  EngineError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  type CallOptions,
  type ContainerInfo,
  type ContainerSpec,
  type EngineCapacity,
  type EngineInfo,
  type ExecOptions,
  type ExecResult,
  type ExecSession,
  type FileToCopy,
  type HelperRunOptions,
  type ImageInfo,
  type InteractiveExecOptions,
  type Labels,
  type NetworkInfo,
  type ScriptStart,
  type SessionOptions,
  type SessionSinks,
  type NetworkSpec,
  type OutputSink,
  type Runtime,
} from '../runtime.js';

/** How long a plain API call may take. Generous: a busy engine creating 30 labs is slow. */
const API_DEADLINE_MS = 60_000;
/** How long a helper container may run (it sets a few host rules). */
const HELPER_DEADLINE_MS = 60_000;
/**
 * How many heavy calls (containers and networks made, started, removed) go to the engine at
 * once; the others wait in socklab, outside their deadline (util/slots.ts). Measured on two
 * CPUs: a hundred hosts come up no slower than with every call at once.
 */
const HEAVY_CALLS_AT_ONCE = Math.max(8, 4 * availableParallelism());
/** What an exec keeps of each output when no sink takes it. */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EACCES', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTCONN']);

interface DockerodeError {
  statusCode?: number;
  code?: string;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
}

/** The engine's own words for what went wrong, without "(HTTP code 409) unexpected - ". */
function engineWords(error: DockerodeError): string {
  const text = error.json?.message ?? error.reason ?? error.message ?? String(error);
  return text.replace(/^\(HTTP code \d+\)\s*[a-z ]*-\s*/i, '').trim();
}

/** The folders that hold `paths` (absolute), and theirs, without the leading slash: parents before children. */
export function foldersOf(paths: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const path of paths) {
    const parts = path.replace(/^\/+/, '').split('/').slice(0, -1);
    parts.forEach((_, index) => folders.add(parts.slice(0, index + 1).join('/')));
  }
  return [...folders].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

export class DockerRuntime implements Runtime {
  private readonly docker: Docker;
  private readonly slots = new Slots(HEAVY_CALLS_AT_ONCE);

  constructor(options?: Docker.DockerOptions) {
    this.docker = new Docker(options);
  }

  private get socket(): string {
    const modem = this.docker.modem as unknown as { socketPath?: string; host?: string };
    return modem.socketPath ?? modem.host ?? 'the engine socket';
  }

  /** socklab's error for a failed call made while doing `operation`. */
  private translate(error: unknown, operation: string, limit: Deadline | undefined, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason; // the caller's interruption, as it is
    if (limit?.expired) {
      return new EngineTimeoutError('timeout', operation, 'the engine did not answer in time; it may be overloaded or stuck (socklab doctor checks it)', {
        cause: error,
      });
    }
    if (error instanceof EngineError) return error;
    const failure = error as DockerodeError;
    if (failure.code && SOCKET_ERRORS.has(failure.code)) {
      const why =
        failure.code === 'EACCES'
          ? `permission denied on ${this.socket}: run socklab as root, or as a member of the 'docker' group`
          : `cannot reach the Docker engine at ${this.socket} (${failure.code}): it is not running, or it stopped. ` +
            `Start it (bash scripts/ensure-docker.sh starts or installs it on Debian as root), then run 'socklab cleanup' to remove what an interrupted run left`;
      return new EngineUnavailableError(why, operation, { cause: error });
    }
    const words = engineWords(failure);
    if (failure.statusCode === 404) return new NotFoundError('not-found', operation, words, { cause: error });
    if (failure.statusCode === 409) return new ConflictError('conflict', operation, words, { cause: error });
    return new EngineError('rejected', operation, words, { cause: error });
  }

  /** Runs one API call under a deadline joined with the caller's signal. */
  private async api<T>(operation: string, options: CallOptions | undefined, call: (abortSignal: AbortSignal) => Promise<T>, ms = API_DEADLINE_MS): Promise<T> {
    const limit = deadline(ms, operation, options?.signal);
    try {
      return await call(limit.signal);
    } catch (error) {
      throw this.translate(error, operation, limit, options?.signal);
    } finally {
      limit.dispose();
    }
  }

  /** Like api(), for a heavy call: it waits for one of the engine's slots first, and its deadline starts then. */
  private async heavy<T>(operation: string, options: CallOptions | undefined, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.slots.run(() => this.api(operation, options, call), options?.signal);
  }

  /** Like api(), with "not found" meaning there is nothing to do (teardown is idempotent). */
  private async apiIgnoringMissing(
    operation: string,
    options: CallOptions | undefined,
    call: (abortSignal: AbortSignal) => Promise<unknown>,
    heavy = false,
  ): Promise<void> {
    try {
      await (heavy ? this.heavy(operation, options, call) : this.api(operation, options, call));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  async engineInfo(options?: CallOptions): Promise<EngineInfo> {
    const version = await this.api(
      'asking the engine its version',
      options,
      (abortSignal) => abortable<Docker.DockerVersion>(this.docker, 'version')({ abortSignal }),
      10_000,
    );
    return { version: version.Version, apiVersion: version.ApiVersion, os: `${version.Os}/${version.Arch}` };
  }

  async engineCapacity(options?: CallOptions): Promise<EngineCapacity> {
    const info = await this.api('asking the engine its capacity', options, (abortSignal) =>
      abortable<{ NCPU: number; MemTotal: number }>(this.docker, 'info')({ abortSignal }),
    );
    return { cpus: info.NCPU, memoryBytes: info.MemTotal };
  }

  async findImage(ref: string, options?: CallOptions): Promise<ImageInfo | undefined> {
    try {
      const info = await this.api(`looking up image ${ref}`, options, (abortSignal) => this.docker.getImage(ref).inspect({ abortSignal }));
      return { ref, sizeBytes: info.Size };
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async listImages(repository: string, options?: CallOptions): Promise<ImageInfo[]> {
    const images = await this.api(`listing images of ${repository}`, options, (abortSignal) =>
      this.docker.listImages({ filters: { reference: [repository] }, abortSignal }),
    );
    return images.flatMap((image) => (image.RepoTags ?? []).filter((tag) => tag.startsWith(`${repository}:`)).map((ref) => ({ ref, sizeBytes: image.Size })));
  }

  async importImage(tarPath: string, ref: string, changes: string[], options?: CallOptions): Promise<void> {
    const [repo, tag] = splitRef(ref);
    const operation = `importing image ${ref}`;
    const stream = await this.api(operation, options, (abortSignal) => this.docker.importImage(createReadStream(tarPath), { repo, tag, changes, abortSignal }));
    await this.followProgress(stream, operation, options?.signal);
  }

  async buildImage(contextDir: string, ref: string, onLine: (line: string) => void, options?: CallOptions): Promise<void> {
    const operation = `building image ${ref}`;
    const stream = await this.api(operation, options, (abortSignal) =>
      this.docker.buildImage({ context: contextDir, src: ['.'] }, { t: ref, rm: true, abortSignal }),
    );
    await this.followProgress(stream, operation, options?.signal, onLine);
  }

  /** Reads a stream of JSON progress messages (image import/build), failing on an error message. */
  private async followProgress(stream: NodeJS.ReadableStream, operation: string, signal?: AbortSignal, onLine?: (line: string) => void) {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (error: Error | null, output: Array<{ error?: string }>) => {
          signal?.removeEventListener('abort', onAbort);
          const failed = error ?? output.find((message) => message.error);
          if (!failed) return resolve();
          reject(
            failed instanceof Error ? this.translate(failed, operation, undefined, signal) : new EngineError('rejected', operation, failed.error ?? 'failed'),
          );
        },
        (event: { stream?: string; status?: string }) => {
          const text = (event.stream ?? event.status ?? '').trimEnd();
          if (text && onLine) onLine(text);
        },
      );
    });
  }

  async removeImage(ref: string, options?: CallOptions): Promise<void> {
    await this.apiIgnoringMissing(`removing image ${ref}`, options, (abortSignal) => this.docker.getImage(ref).remove({ force: true, abortSignal }));
  }

  async listNetworks(options?: CallOptions): Promise<NetworkInfo[]> {
    const networks = await this.api('listing networks', options, (abortSignal) => this.docker.listNetworks({ abortSignal }));
    return networks.map((network) => ({
      name: network.Name,
      id: network.Id,
      subnets: (network.IPAM?.Config ?? []).map((config) => config.Subnet).filter((s): s is string => !!s),
      bridgeName: network.Options?.['com.docker.network.bridge.name'],
      labels: network.Labels ?? {},
    }));
  }

  async createNetwork(spec: NetworkSpec, options?: CallOptions): Promise<void> {
    await this.heavy(`creating network ${spec.name}`, options, (abortSignal) =>
      this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        // Internal: Docker installs no route or NAT out of the bridge, so a lab cannot leave.
        Internal: true,
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }] },
        Options: {
          'com.docker.network.bridge.name': spec.bridgeName,
          // No IPv4 address on the host's side of the bridge (the gateway address stays
          // reserved in IPAM so no host takes it); lab/host-rules.ts removes IPv6 as well.
          'com.docker.network.bridge.inhibit_ipv4': 'true',
        },
        Labels: spec.labels,
        abortSignal,
      } as Docker.NetworkCreateOptions),
    );
  }

  async removeNetwork(name: string, options?: CallOptions): Promise<void> {
    await this.apiIgnoringMissing(`removing network ${name}`, options, (abortSignal) => this.docker.getNetwork(name).remove({ abortSignal }), true);
  }

  async createContainer(spec: ContainerSpec, options?: CallOptions): Promise<void> {
    const [first, ...others] = spec.networks;
    await this.heavy(`creating container ${spec.name}`, options, (abortSignal) =>
      this.docker.createContainer({
        name: spec.name,
        Hostname: spec.hostname,
        Image: spec.image,
        Cmd: spec.command,
        OpenStdin: spec.scriptOnStdin,
        StdinOnce: spec.scriptOnStdin,
        AttachStdin: spec.scriptOnStdin,
        Labels: spec.labels,
        Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
        WorkingDir: spec.workdir,
        HostConfig: {
          ExtraHosts: (spec.extraHosts ?? []).map((entry) => `${entry.name}:${entry.ip}`),
          CapAdd: spec.capAdd,
          Sysctls: spec.sysctls,
          NetworkMode: first?.network ?? 'none',
          // The lab image's init is `sleep`; an init reaps the programs we exec and forwards signals.
          Init: true,
          Memory: spec.limits.memoryBytes,
          // Swap as large as memory means no swap: a memory hog meets its limit, not the disk.
          MemorySwap: spec.limits.memoryBytes,
          PidsLimit: spec.limits.pids,
          NanoCpus: Math.round(spec.limits.cpus * 1e9),
          ReadonlyRootfs: spec.readOnlyRoot,
          Tmpfs: Object.fromEntries(Object.entries(spec.scratch).map(([path, bytes]) => [path, `rw,exec,nosuid,nodev,size=${bytes}`])),
          // A host's own output is its setup's, then its agent's answers (lab.ts): read over
          // the attached stream as it comes, never worth a log file on the engine's disk.
          LogConfig: { Type: 'none', Config: {} },
        },
        NetworkingConfig: first ? { EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.ip } } } } : undefined,
        abortSignal,
      } as Docker.ContainerCreateOptions),
    );
    // Engines before API 1.44 take one network at creation; the others attach before start.
    for (const attachment of others) {
      await this.heavy(`attaching ${spec.name} to network ${attachment.network}`, options, (abortSignal) =>
        this.docker.getNetwork(attachment.network).connect({
          Container: spec.name,
          EndpointConfig: { IPAMConfig: { IPv4Address: attachment.ip } },
          abortSignal,
        } as object),
      );
    }
  }

  async startContainer(name: string, options?: CallOptions): Promise<void> {
    await this.heavy(`starting container ${name}`, options, (abortSignal) => this.docker.getContainer(name).start({ abortSignal }));
  }

  async startWithScript(
    name: string,
    script: string,
    options: CallOptions & { readyLine: string; timeoutMs: DeadlineMs; whileSettingUp?: () => Promise<void>; then?: SessionSinks },
  ): Promise<ScriptStart> {
    const operation = `starting container ${name}`;
    const container = this.docker.getContainer(name);
    // Attached before the start, so that nothing the script prints is missed.
    const stream = await this.api(
      operation,
      options,
      (abortSignal) =>
        container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, abortSignal } as object) as unknown as Promise<Duplex>,
    ).then((attached) => labelHandle(attached, operation));
    const output = new TailBuffer(4096);
    const readyText = `${options.readyLine}\n`;
    let window = '';
    let ready = false;
    let handedOn = false;
    let clearDeadline = () => undefined as void;
    let late = () => undefined as void;
    let onAbort = () => undefined as void;
    const { signal } = options;
    try {
      const ended = new Promise<'ready' | 'ended' | 'late'>((resolve, reject) => {
        late = () => resolve('late');
        const frames = new FrameSplitter((kind, payload) => {
          // Once the host is set up, what it prints is the session's (`then`).
          if (ready) return options.then?.[kind](payload);
          output.push(payload);
          window = (window + payload.toString('latin1')).slice(-(readyText.length + 256));
          const at = window.indexOf(readyText);
          if (at < 0) return;
          ready = true;
          resolve('ready');
          // What came after the ready line in the same payload is the session's already.
          const after = window.length - at - readyText.length;
          if (after > 0) options.then?.[kind](payload.subarray(payload.length - after));
        });
        stream.on('data', (chunk: Buffer) => frames.push(chunk));
        stream.on('end', () => resolve('ended'));
        stream.on('close', () => resolve('ended'));
        stream.on('error', (error) => reject(this.translate(error, operation, undefined, signal)));
        onAbort = () => reject(signal!.reason);
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      // An interruption while the container starts rejects this before it is awaited.
      ended.catch(() => undefined);
      await this.startContainer(name, options);
      // The setup's deadline counts from here: a start that waited its turn in a busy engine
      // (a hundred hosts at once) has its own deadline, the engine call's.
      clearDeadline = deadlineTimer(options.timeoutMs, late);
      stream.write(`${script}\n`);
      const [outcome, meanwhile] = await Promise.allSettled([ended, options.whileSettingUp?.()]);
      if (outcome.status === 'rejected') throw outcome.reason;
      // A script that failed explains a failure meanwhile (files copied into a host that stopped).
      if (outcome.value === 'ready') {
        if (meanwhile.status === 'rejected') throw meanwhile.reason;
        if (!options.then) return { ready: true };
        handedOn = true;
        return { ready: true, session: sessionOver(labelHandle(stream as Duplex & Partial<Socket>, `the agent of ${name}`)) };
      }
      const state =
        outcome.value === 'ended' ? await this.api(operation, options, (abortSignal) => container.inspect({ abortSignal })).catch(() => undefined) : undefined;
      return { ready: false, timedOut: outcome.value === 'late', exitCode: state?.State.ExitCode, output: output.text() };
    } finally {
      clearDeadline();
      signal?.removeEventListener('abort', onAbort);
      if (!handedOn) stream.destroy();
    }
  }

  async removeContainer(name: string, options?: CallOptions): Promise<void> {
    await this.apiIgnoringMissing(
      `removing container ${name}`,
      options,
      (abortSignal) => this.docker.getContainer(name).remove({ force: true, v: true, abortSignal }),
      true,
    );
  }

  async listContainers(filter: Labels | string[], options?: CallOptions): Promise<ContainerInfo[]> {
    const labels = Array.isArray(filter) ? filter : Object.entries(filter).map(([key, value]) => `${key}=${value}`);
    const containers = await this.api('listing containers', options, (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: labels }, abortSignal }),
    );
    return containers.map((container) => ({
      name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
      id: container.Id,
      state: container.State,
      image: container.Image,
      labels: container.Labels ?? {},
      ips: Object.fromEntries(
        Object.entries(container.NetworkSettings?.Networks ?? {}).map(([network, settings]) => [
          network,
          settings.IPAMConfig?.IPv4Address || settings.IPAddress,
        ]),
      ),
    }));
  }

  /**
   * The engine's archive API writes under the container's root filesystem and does not see
   * in-memory (tmpfs) folders, which is where lab hosts keep writable files; so files go
   * in through `tar` in the container, fed on its standard input.
   */
  async copyFiles(container: string, files: FileToCopy[], options?: CallOptions): Promise<void> {
    if (files.length === 0) return;
    // Loaded here: most labs never need it (small files go in with a host's setup script),
    // and with its streams it took some 10 ms of every start.
    const { pack } = await import('tar-stream');
    const archive = pack();
    const feeding = (async () => {
      // Every folder first, as folders of its own: tar that finds a file's folder missing
      // makes it, but gives up on the file when the folder appears meanwhile, which is what
      // the host's setup does to /lab/programs while its files are copied in.
      for (const folder of foldersOf(files.map((file) => file.path))) {
        archive.entry({ name: `${folder}/`, type: 'directory', mode: 0o755 });
      }
      for (const file of files) {
        const name = file.path.replace(/^\/+/, '');
        if ('content' in file) {
          archive.entry({ name, mode: file.mode ?? 0o644 }, file.content);
        } else {
          const entry = archive.entry({ name, mode: file.mode ?? 0o644, size: file.size });
          await pipeline(createReadStream(file.source), entry);
        }
      }
      archive.finalize();
    })();
    feeding.catch((error: unknown) => archive.destroy(error as Error));
    const result = await this.exec(container, ['tar', '-x', '-f', '-', '-C', '/', '--no-same-owner', '--no-overwrite-dir'], {
      ...options,
      // tar-stream's pack is a streamx stream; Node's Readable.from makes it a Node stream.
      stdin: Readable.from(archive),
    });
    await feeding;
    if (result.exitCode !== 0) {
      throw new EngineError(
        'rejected',
        `copying ${files.map((file) => file.path).join(', ')} into ${container}`,
        result.stderr.trim() || `tar exited ${result.exitCode}`,
      );
    }
  }

  async exec(container: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const operation = `running '${command.join(' ').slice(0, 60)}' in ${container}`;
    const { exec, stream } = await this.api(operation, options, async (abortSignal) => {
      const exec = await this.docker.getContainer(container).exec({
        Cmd: command,
        AttachStdin: options.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
        User: options.user,
        WorkingDir: options.workdir,
        abortSignal,
      } as Docker.ExecCreateOptions);
      const stream = (await exec.start({ hijack: true, stdin: options.stdin !== undefined, abortSignal } as Docker.ExecStartOptions)) as unknown as Duplex;
      return { exec, stream: labelHandle(stream, operation) };
    });

    const keep = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const stdoutKept = options.stdout ? undefined : new HeadBuffer(keep);
    const stderrKept = options.stderr ? undefined : new HeadBuffer(keep);
    const queue = new SinkQueue(stream);
    const frames = new FrameSplitter((kind, payload) => {
      const sink = kind === 'stdout' ? options.stdout : options.stderr;
      if (sink) queue.push(sink, payload);
      else (kind === 'stdout' ? stdoutKept : stderrKept)!.push(payload);
    });
    stream.on('data', (chunk: Buffer) => frames.push(chunk));
    if (options.stdin) {
      options.stdin.on('error', () => stream.destroy());
      options.stdin.pipe(stream);
    }

    try {
      await new Promise<void>((resolve, reject) => {
        const signal = options.signal;
        const onAbort = () => {
          stream.destroy();
          reject(signal!.reason);
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        stream.on('end', done);
        stream.on('close', done);
        stream.on('error', (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(this.translate(error, operation, undefined, signal));
        });
      });
      await queue.drained();
    } finally {
      if (options.stdin) options.stdin.unpipe(stream);
    }
    return {
      exitCode: await this.exitCodeOf(exec, operation, options.signal),
      stdout: stdoutKept?.text() ?? '',
      stderr: stderrKept?.text() ?? '',
      truncated: (stdoutKept?.truncated ?? false) || (stderrKept?.truncated ?? false),
    };
  }

  /**
   * The exit code once the command has ended. Its output stream can end first (a command
   * that closed its output and runs on): then this waits for the command itself.
   */
  private async exitCodeOf(exec: Docker.Exec, operation: string, signal?: AbortSignal): Promise<number> {
    for (;;) {
      const info = await this.api(operation, { signal }, (abortSignal) => exec.inspect({ abortSignal }));
      if (!info.Running) return info.ExitCode ?? -1;
      await sleep(250, signal);
    }
  }

  async openSession(container: string, command: string[], options: SessionOptions): Promise<ExecSession> {
    const operation = `starting '${command.join(' ').slice(0, 60)}' in ${container}`;
    const stream = await this.api(operation, options, async (abortSignal) => {
      const exec = await this.docker.getContainer(container).exec({
        Cmd: command,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        abortSignal,
      } as Docker.ExecCreateOptions);
      return labelHandle(
        (await exec.start({ hijack: true, stdin: true, abortSignal } as Docker.ExecStartOptions)) as unknown as Duplex & Partial<Socket>,
        operation,
      );
    });
    const frames = new FrameSplitter((kind, payload) => options[kind](payload));
    stream.on('data', (chunk: Buffer) => frames.push(chunk));
    return sessionOver(stream);
  }

  async execDetached(container: string, command: string[], options: CallOptions & { env?: Record<string, string> } = {}) {
    await this.api(`starting '${command.join(' ').slice(0, 60)}' in ${container}`, options, async (abortSignal) => {
      const exec = await this.docker.getContainer(container).exec({
        Cmd: command,
        AttachStdout: false,
        AttachStderr: false,
        Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
        abortSignal,
      } as Docker.ExecCreateOptions);
      // The engine answers once the process has started; the response stream carries nothing
      // more, and left open it would keep this process alive.
      const stream = (await exec.start({ Detach: true, abortSignal } as Docker.ExecStartOptions)) as unknown as { destroy?: () => void } | undefined;
      stream?.destroy?.();
    });
  }

  async execInteractive(container: string, command: string[], options: InteractiveExecOptions): Promise<number> {
    const operation = `opening a shell in ${container}`;
    const { exec, stream } = await this.api(operation, options, async (abortSignal) => {
      const exec = await this.docker.getContainer(container).exec({
        Cmd: command,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: options.tty,
        Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
        abortSignal,
      } as Docker.ExecCreateOptions);
      const stream = (await exec.start({ hijack: true, stdin: true, Tty: options.tty, abortSignal } as Docker.ExecStartOptions)) as unknown as Duplex;
      return { exec, stream: labelHandle(stream, operation) };
    });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      options.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
    });
    // The terminal device only exists once the process runs, so the first resize can
    // come too early; like the docker CLI, retry it briefly.
    const resize = async (attempts = 1) => {
      const size = options.size?.();
      if (!size) return;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          await exec.resize({ h: size.rows, w: size.columns });
          return;
        } catch {
          await sleep(20 * attempt);
        }
      }
    };
    // end: false: the caller's stdout (often process.stdout) must stay open afterwards.
    if (options.tty) stream.pipe(options.stdout, { end: false });
    else this.docker.modem.demuxStream(stream, options.stdout, options.stdout);
    // Piped (non-terminal) input that ends is passed on as end of input to the command.
    options.stdin.pipe(stream);
    const stopResizing = options.onResize?.(() => void resize());
    if (options.tty) await resize(5);
    await ended;
    options.stdin.unpipe(stream);
    stopResizing?.();
    options.signal?.throwIfAborted();
    return this.exitCodeOf(exec, operation);
  }

  async startHelper(options: HelperRunOptions & { name: string }): Promise<void> {
    const operation = `starting a helper container (${options.name})`;
    await this.api(operation, options, (abortSignal) => this.docker.createContainer({ ...helperSpec(options), abortSignal } as Docker.ContainerCreateOptions));
    try {
      await this.startContainer(options.name, options);
    } catch (error) {
      await this.removeContainer(options.name).catch(() => undefined);
      throw error;
    }
  }

  async runHelper(options: HelperRunOptions): Promise<ExecResult> {
    const operation = `running a helper container (${options.command.join(' ').slice(0, 40)}...)`;
    const container = await this.api(operation, options, (abortSignal) =>
      this.docker.createContainer({ ...helperSpec(options), abortSignal } as Docker.ContainerCreateOptions),
    );
    try {
      return await this.api(
        operation,
        options,
        async (abortSignal) => {
          await container.start({ abortSignal });
          const { StatusCode } = (await container.wait({ abortSignal })) as { StatusCode: number };
          const logs = (await container.logs({ stdout: true, stderr: true, follow: false, abortSignal })) as unknown as Buffer;
          const { stdout, stderr } = demuxBuffer(logs);
          return { exitCode: StatusCode, stdout, stderr };
        },
        HELPER_DEADLINE_MS,
      );
    } finally {
      // Removed even when the caller was interrupted: under a deadline of its own.
      await this.apiIgnoringMissing(`removing a helper container`, undefined, (abortSignal) => container.remove({ force: true, abortSignal })).catch(
        () => undefined,
      );
    }
  }
}

/** A helper container's settings: small, and only the capabilities and namespaces asked for. */
function helperSpec(options: HelperRunOptions & { name?: string }) {
  return {
    name: options.name,
    Image: options.image,
    Cmd: options.command,
    Labels: options.labels,
    HostConfig: {
      NetworkMode: options.hostNetwork ? 'host' : 'none',
      PidMode: options.pidNamespaceOf ? `container:${options.pidNamespaceOf}` : undefined,
      CapAdd: options.capAdd,
      Sysctls: options.sysctls,
      Memory: 64 * 1024 * 1024,
      PidsLimit: 64,
    },
  };
}

/**
 * Hands chunks to sinks in order. While a sink is busy (it returned a promise), the source
 * stream is paused, so at most one chunk of the source waits in memory.
 */
class SinkQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private error: unknown;

  constructor(private readonly source: { pause(): unknown; resume(): unknown; destroy(error?: Error): unknown }) {}

  push(sink: OutputSink, chunk: Buffer): void {
    if (this.error !== undefined) return;
    if (this.waiting === 0) {
      let result: void | Promise<void>;
      try {
        result = sink(chunk);
      } catch (error) {
        return this.fail(error);
      }
      if (result) this.wait(result);
      return;
    }
    this.wait(this.tail.then(() => sink(chunk)));
  }

  private wait(work: Promise<void>): void {
    this.waiting += 1;
    this.source.pause();
    this.tail = work.then(
      () => {
        this.waiting -= 1;
        if (this.waiting === 0) this.source.resume();
      },
      (error: unknown) => this.fail(error),
    );
  }

  private fail(error: unknown): void {
    this.error ??= error;
    this.source.destroy();
  }

  /** Resolves once every chunk was taken; rejects with a sink's failure. */
  async drained(): Promise<void> {
    await this.tail;
    if (this.error !== undefined) throw this.error;
  }
}

/** A finished container's multiplexed logs, keeping at most 4 MiB of each output. */
function demuxBuffer(buffer: Buffer): { stdout: string; stderr: string } {
  const kept = { stdout: new HeadBuffer(DEFAULT_MAX_BYTES), stderr: new HeadBuffer(DEFAULT_MAX_BYTES) };
  splitFrames(buffer, (stream, payload) => kept[stream].push(payload));
  return { stdout: kept.stdout.text(), stderr: kept.stderr.text() };
}

/** dockerode's version() and info() take options (abortSignal) though their types say not. */
function abortable<T>(docker: Docker, method: 'version' | 'info'): (options: { abortSignal: AbortSignal }) => Promise<T> {
  return (docker[method] as unknown as (options: { abortSignal: AbortSignal }) => Promise<T>).bind(docker);
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}

/** A session over a hijacked stream whose output is already being read: writes go to the command's input. */
function sessionOver(stream: Duplex & Partial<Socket>): ExecSession {
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    // A broken stream ends the session like any other end; the caller sees it as `ended`.
    stream.on('error', () => resolve());
  });
  return {
    write: (data) => void stream.write(data),
    ended,
    keepProcessAlive: (alive) => (alive ? stream.ref?.() : stream.unref?.()),
    close: () => stream.destroy(),
  };
}
