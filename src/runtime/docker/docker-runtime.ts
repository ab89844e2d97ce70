// The Docker implementation of the runtime: the only module in socklab that imports
// dockerode. Everything it returns is in the project's own types (runtime/runtime.ts).
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { createReadStream } from 'node:fs';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import {
  EngineUnavailableError,
  type ContainerInfo,
  type ContainerSpec,
  type EngineInfo,
  type ExecOptions,
  type ExecResult,
  type FileToCopy,
  type HelperRunOptions,
  type ImageInfo,
  type InteractiveExecOptions,
  type Labels,
  type NetworkInfo,
  type NetworkSpec,
  type Runtime,
} from '../runtime.js';

/** HTTP status of a dockerode error, if it carries one. */
function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/** Runs fn, treating "not found" (404) as done: teardown must be idempotent. */
async function ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

/** Reads a whole stream of JSON progress messages (image import/build), failing on an error message. */
async function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onLine?: (line: string) => void) {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = error ?? output.find((message) => message.error);
        if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
        else resolve();
      },
      (event: { stream?: string; status?: string; progress?: string }) => {
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text && onLine) onLine(text);
      },
    );
  });
}

function labelFilter(filter: Labels | string[]): string[] {
  return Array.isArray(filter) ? filter : Object.entries(filter).map(([key, value]) => `${key}=${value}`);
}

export class DockerRuntime implements Runtime {
  private readonly docker: Docker;

  constructor(options?: Docker.DockerOptions) {
    this.docker = new Docker(options);
  }

  async engineInfo(): Promise<EngineInfo> {
    try {
      const version = await this.docker.version();
      return { version: version.Version, apiVersion: version.ApiVersion, os: `${version.Os}/${version.Arch}` };
    } catch (error) {
      throw new EngineUnavailableError(
        `cannot reach the Docker engine (${(error as Error).message}). ` +
          `Start it, or run 'bash scripts/ensure-docker.sh' (installs and starts it on Debian as root).`,
      );
    }
  }

  async findImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return { ref, sizeBytes: info.Size };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async listImages(repository: string): Promise<ImageInfo[]> {
    const images = await this.docker.listImages({ filters: { reference: [repository] } });
    return images.flatMap((image) =>
      (image.RepoTags ?? [])
        .filter((tag) => tag.startsWith(`${repository}:`))
        .map((ref) => ({ ref, sizeBytes: image.Size })),
    );
  }

  async importImage(tarPath: string, ref: string, changes: string[]): Promise<void> {
    const [repo, tag] = splitRef(ref);
    const stream = await this.docker.importImage(createReadStream(tarPath), { repo, tag, changes });
    await followProgress(this.docker, stream);
  }

  async buildImage(contextDir: string, ref: string, onLine: (line: string) => void): Promise<void> {
    const stream = await this.docker.buildImage({ context: contextDir, src: ['.'] }, { t: ref, rm: true });
    await followProgress(this.docker, stream, onLine);
  }

  async removeImage(ref: string): Promise<void> {
    await ignoreMissing(() => this.docker.getImage(ref).remove({ force: true }));
  }

  async listNetworks(): Promise<NetworkInfo[]> {
    const networks = await this.docker.listNetworks();
    return networks.map((network) => ({
      name: network.Name,
      id: network.Id,
      subnets: (network.IPAM?.Config ?? []).map((config) => config.Subnet).filter((s): s is string => !!s),
      bridgeName: network.Options?.['com.docker.network.bridge.name'],
      labels: network.Labels ?? {},
    }));
  }

  async createNetwork(spec: NetworkSpec): Promise<void> {
    await this.docker.createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      // Internal: Docker installs no route or NAT out of the bridge, so a lab cannot leave.
      Internal: true,
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }] },
      Options: {
        'com.docker.network.bridge.name': spec.bridgeName,
        // No address on the host's side of the bridge: lab hosts cannot reach the engine's host
        // at all (the gateway address stays reserved in IPAM so no host takes it).
        'com.docker.network.bridge.inhibit_ipv4': 'true',
      },
      Labels: spec.labels,
    });
  }

  async removeNetwork(name: string): Promise<void> {
    await ignoreMissing(() => this.docker.getNetwork(name).remove());
  }

  async createContainer(spec: ContainerSpec): Promise<void> {
    const [first, ...others] = spec.networks;
    await this.docker.createContainer({
      name: spec.name,
      Hostname: spec.hostname,
      Image: spec.image,
      Cmd: spec.command,
      Labels: spec.labels,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      HostConfig: {
        CapAdd: spec.capAdd,
        Sysctls: spec.sysctls,
        NetworkMode: first?.network ?? 'none',
        // The lab image's init is `sleep`; an init reaps the programs we exec and forwards signals.
        Init: true,
      },
      NetworkingConfig: first
        ? { EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.ip } } } }
        : undefined,
    });
    // Engines before API 1.44 take one network at creation; the others attach before start.
    for (const attachment of others) {
      await this.docker.getNetwork(attachment.network).connect({
        Container: spec.name,
        EndpointConfig: { IPAMConfig: { IPv4Address: attachment.ip } },
      });
    }
  }

  async startContainer(name: string): Promise<void> {
    await this.docker.getContainer(name).start();
  }

  async removeContainer(name: string): Promise<void> {
    await ignoreMissing(() => this.docker.getContainer(name).remove({ force: true, v: true }));
  }

  async listContainers(filter: Labels | string[]): Promise<ContainerInfo[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: labelFilter(filter) } });
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

  async copyFiles(container: string, files: FileToCopy[]): Promise<void> {
    const archive = tarPack();
    for (const file of files) {
      archive.entry({ name: file.path.replace(/^\/+/, ''), mode: file.mode ?? 0o644 }, file.content);
    }
    archive.finalize();
    await this.docker.getContainer(container).putArchive(archive as unknown as NodeJS.ReadableStream, { path: '/' });
  }

  async readFile(container: string, path: string): Promise<Buffer | undefined> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.docker.getContainer(container).getArchive({ path });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    return new Promise((resolve, reject) => {
      const extract = tarExtract();
      let content: Buffer | undefined;
      extract.on('entry', (_header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
        stream.on('end', () => {
          content ??= Buffer.concat(chunks);
          next();
        });
        stream.resume();
      });
      extract.on('finish', () => resolve(content));
      extract.on('error', reject);
      archive.pipe(extract);
    });
  }

  async exec(container: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const exec = await this.docker.getContainer(container).exec({
      Cmd: command,
      AttachStdout: true,
      AttachStderr: true,
      Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
      User: options.user,
      WorkingDir: options.workdir,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    err.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
    });
    this.docker.modem.demuxStream(stream, out, err);

    // The exit code is only final once the stream has ended (both outputs fully read).
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(options.signal?.reason ?? new Error('aborted'));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      stream.on('error', reject);
    });
    const info = await exec.inspect();
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
  }

  async execDetached(container: string, command: string[], options: { env?: Record<string, string> } = {}) {
    const exec = await this.docker.getContainer(container).exec({
      Cmd: command,
      AttachStdout: false,
      AttachStderr: false,
      Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
    });
    // The engine answers once the process has started; the response stream carries nothing
    // more, and left open it would keep this process alive.
    const stream = (await exec.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
    stream?.destroy?.();
  }

  async execInteractive(container: string, command: string[], options: InteractiveExecOptions): Promise<number> {
    const exec = await this.docker.getContainer(container).exec({
      Cmd: command,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
      Env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: options.tty });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
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
          await new Promise((wait) => setTimeout(wait, 20 * attempt));
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
    const info = await exec.inspect();
    return info.ExitCode ?? -1;
  }

  async runHelper(options: HelperRunOptions): Promise<ExecResult> {
    const container = await this.docker.createContainer({
      Image: options.image,
      Cmd: options.command,
      Labels: options.labels,
      HostConfig: {
        NetworkMode: options.hostNetwork ? 'host' : 'none',
        CapAdd: options.capAdd,
        Sysctls: options.sysctls,
      },
    });
    try {
      await container.start();
      const { StatusCode } = await container.wait();
      const logs = await container.logs({ stdout: true, stderr: true, follow: false });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      demuxBuffer(logs as unknown as Buffer, stdout, stderr);
      return {
        exitCode: StatusCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
    } finally {
      await ignoreMissing(() => container.remove({ force: true }));
    }
  }
}

/** Splits Docker's multiplexed log format (8-byte frame headers) held in one buffer. */
function demuxBuffer(buffer: Buffer, stdout: Buffer[], stderr: Buffer[]): void {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + length);
    (kind === 2 ? stderr : stdout).push(payload);
    offset += 8 + length;
  }
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}
