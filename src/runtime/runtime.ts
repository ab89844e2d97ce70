// The container runtime as the rest of socklab sees it: the project's own types only.
// The Docker implementation (runtime/docker/) is the one module that knows dockerode;
// tests of orchestration logic use the in-memory fake (runtime/fake-runtime.ts).

export type Labels = Record<string, string>;

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
}

export interface NetworkSpec {
  /** Engine-wide unique network name. */
  name: string;
  /** Name of the Linux bridge on the engine's host (at most 15 characters). */
  bridgeName: string;
  subnet: string;
  /** Address reserved for the bridge; no lab host uses it. */
  gateway: string;
  labels: Labels;
}

export interface NetworkInfo {
  name: string;
  id: string;
  subnets: string[];
  bridgeName?: string;
  labels: Labels;
}

export interface ContainerSpec {
  name: string;
  hostname: string;
  image: string;
  labels: Labels;
  /** In attach order; the first is given at creation, the others connected before start. */
  networks: { network: string; ip: string }[];
  env: Record<string, string>;
  capAdd: string[];
  sysctls: Record<string, string>;
  command: string[];
}

export interface ContainerInfo {
  name: string;
  id: string;
  state: string;
  image: string;
  labels: Labels;
  /** Network name -> IPv4 address. */
  ips: Record<string, string>;
}

export interface FileToCopy {
  /** Absolute path inside the container. */
  path: string;
  content: Buffer;
  mode?: number;
}

export interface ExecOptions {
  env?: Record<string, string>;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting ends the wait for the command; the command itself is not signalled. */
  signal?: AbortSignal;
  user?: string;
  workdir?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface InteractiveExecOptions {
  tty: boolean;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** Terminal size now and on every resize. */
  size?: () => { rows: number; columns: number };
  onResize?: (listener: () => void) => () => void;
  /** Environment of the command (e.g. TERM, so the shell knows the terminal's kind). */
  env?: Record<string, string>;
}

export interface HelperRunOptions {
  image: string;
  command: string[];
  labels: Labels;
  /** Host network namespace: how rules reach the engine's host, even inside a VM. */
  hostNetwork: boolean;
  capAdd: string[];
  sysctls?: Record<string, string>;
}

export interface ImageInfo {
  ref: string;
  sizeBytes: number;
}

export interface Runtime {
  engineInfo(): Promise<EngineInfo>;

  findImage(ref: string): Promise<ImageInfo | undefined>;
  /** Every tag of one repository (e.g. all socklab-lab:<hash> images, to spot stale ones). */
  listImages(repository: string): Promise<ImageInfo[]>;
  /** Imports a root filesystem tarball as an image (the offline build path). */
  importImage(tarPath: string, ref: string, changes: string[]): Promise<void>;
  /** Builds a Dockerfile in contextDir (the registry build path); progress lines go to onLine. */
  buildImage(contextDir: string, ref: string, onLine: (line: string) => void): Promise<void>;
  removeImage(ref: string): Promise<void>;

  listNetworks(): Promise<NetworkInfo[]>;
  createNetwork(spec: NetworkSpec): Promise<void>;
  removeNetwork(name: string): Promise<void>;

  createContainer(spec: ContainerSpec): Promise<void>;
  startContainer(name: string): Promise<void>;
  /** Removes the container, stopping it first; a missing container is not an error. */
  removeContainer(name: string): Promise<void>;
  listContainers(labelFilter: Labels | string[]): Promise<ContainerInfo[]>;

  copyFiles(container: string, files: FileToCopy[]): Promise<void>;
  readFile(container: string, path: string): Promise<Buffer | undefined>;
  exec(container: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a command and returns at once; it keeps running after this process exits. */
  execDetached(container: string, command: string[], options?: { env?: Record<string, string> }): Promise<void>;
  execInteractive(container: string, command: string[], options: InteractiveExecOptions): Promise<number>;

  /** Runs a short-lived helper container to completion and removes it. */
  runHelper(options: HelperRunOptions): Promise<ExecResult>;
}

/** Raised when the engine cannot be reached at all. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}
