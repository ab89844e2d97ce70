// The container runtime as the rest of socklab sees it: the project's own types only.
// The Docker implementation (runtime/docker/) is the one module that knows dockerode;
// tests of orchestration logic use the in-memory fake (runtime/fake-runtime.ts).
//
// Every call takes an AbortSignal and is bounded in time by the implementation, and every
// failure is one of the errors below, never the engine's raw HTTP error: callers decide
// what it means for the user from its kind.

import type { DeadlineMs } from '../util/abort.js';

export type Labels = Record<string, string>;

export interface CallOptions {
  /** Aborting ends the call at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
}

export interface EngineCapacity {
  cpus: number;
  memoryBytes: number;
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

export interface ResourceLimits {
  memoryBytes: number;
  pids: number;
  /** CPUs as a fraction: 0.5 is half of one core. */
  cpus: number;
}

export interface ContainerSpec {
  name: string;
  hostname: string;
  image: string;
  labels: Labels;
  /** In attach order; the first is given at creation, the others connected before start. */
  networks: { network: string; ip: string }[];
  env: Record<string, string>;
  /** Name -> address lines for the container's /etc/hosts, in this order (before the engine's own line). */
  extraHosts?: { name: string; ip: string }[];
  capAdd: string[];
  sysctls: Record<string, string>;
  command: string[];
  /** The command reads a script on its standard input (see Runtime.startWithScript). */
  scriptOnStdin?: boolean;
  limits: ResourceLimits;
  /** When true the root filesystem is read-only and `scratch` folders are the writable places. */
  readOnlyRoot: boolean;
  /** Writable in-memory folders: path -> size in bytes. */
  scratch: Record<string, number>;
  workdir?: string;
}

/**
 * How a start with a script went: ready, or why not with the end of what the script printed.
 * Asked for (`then`), a ready start hands on the container's own input and output, which the
 * script goes on speaking over once it is set up (the host's agent, in-host/agent.ts).
 */
export type ScriptStart = { ready: true; session?: ExecSession } | { ready: false; timedOut: boolean; exitCode?: number; output: string };

export interface ContainerInfo {
  name: string;
  id: string;
  state: string;
  image: string;
  labels: Labels;
  /** Network name -> IPv4 address. */
  ips: Record<string, string>;
}

export type FileToCopy =
  | { /** Absolute path inside the container. */ path: string; mode?: number; content: Buffer }
  | { path: string; mode?: number; /** A file on this machine, streamed in. */ source: string; size: number };

/**
 * Receives output as it comes. A returned promise holds back further output until it
 * settles (back-pressure: a slow consumer slows the command, it never fills memory).
 */
export type OutputSink = (chunk: Buffer) => void | Promise<void>;

export interface ExecOptions extends CallOptions {
  env?: Record<string, string>;
  /** Streams standard output here; the result's `stdout` then stays empty. */
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Fed to the command's standard input, which is closed at its end. */
  stdin?: NodeJS.ReadableStream;
  /** Without a sink, at most this many bytes of each output are kept (default 4 MiB). */
  maxBytes?: number;
  user?: string;
  workdir?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Some output was dropped because it exceeded `maxBytes`. */
  truncated?: boolean;
}

/** A session's output as it comes (no back-pressure: the command's own protocol bounds it). */
export interface SessionSinks {
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
}

export interface SessionOptions extends CallOptions, SessionSinks {}

/** A command that keeps running with its standard input open (socklab's in-host agent speaks over one). */
export interface ExecSession {
  /** Writes to the command's standard input. */
  write(data: string): void;
  /** Settles when the command's output has ended: it exited, the container went, or `close` was called. */
  readonly ended: Promise<void>;
  /** Whether the open session keeps this process alive: only while an answer is awaited. */
  keepProcessAlive(alive: boolean): void;
  /** Ends the session: the command sees the end of its input. */
  close(): void;
}

export interface InteractiveExecOptions extends CallOptions {
  tty: boolean;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** Terminal size now and on every resize. */
  size?: () => { rows: number; columns: number };
  onResize?: (listener: () => void) => () => void;
  /** Environment of the command (e.g. TERM, so the shell knows the terminal's kind). */
  env?: Record<string, string>;
}

export interface HelperRunOptions extends CallOptions {
  image: string;
  command: string[];
  labels: Labels;
  /** Host network namespace: how rules reach the engine's host, even inside a VM. */
  hostNetwork: boolean;
  capAdd: string[];
  sysctls?: Record<string, string>;
  /** Share this container's process namespace (to signal its processes from outside its limits). */
  pidNamespaceOf?: string;
}

export interface ImageInfo {
  ref: string;
  sizeBytes: number;
}

export interface Runtime {
  engineInfo(options?: CallOptions): Promise<EngineInfo>;
  engineCapacity(options?: CallOptions): Promise<EngineCapacity>;

  findImage(ref: string, options?: CallOptions): Promise<ImageInfo | undefined>;
  /** Every tag of one repository (e.g. all socklab-lab:<hash> images, to spot stale ones). */
  listImages(repository: string, options?: CallOptions): Promise<ImageInfo[]>;
  /** Imports a root filesystem tarball as an image (the offline build path). */
  importImage(tarPath: string, ref: string, changes: string[], options?: CallOptions): Promise<void>;
  /** Builds a Dockerfile in contextDir (the registry build path); progress lines go to onLine. */
  buildImage(contextDir: string, ref: string, onLine: (line: string) => void, options?: CallOptions): Promise<void>;
  removeImage(ref: string, options?: CallOptions): Promise<void>;

  listNetworks(options?: CallOptions): Promise<NetworkInfo[]>;
  createNetwork(spec: NetworkSpec, options?: CallOptions): Promise<void>;
  /** A missing network is not an error. */
  removeNetwork(name: string, options?: CallOptions): Promise<void>;

  createContainer(spec: ContainerSpec, options?: CallOptions): Promise<void>;
  startContainer(name: string, options?: CallOptions): Promise<void>;
  /**
   * Starts a container made with `scriptOnStdin` and hands its command `script`: the host
   * sets itself up as it starts, with no command run into it afterwards. Resolves once the
   * script prints `readyLine`, ends without it, or takes longer than `timeoutMs` (counted
   * from when the container runs), and `whileSettingUp` (begun then) has finished. With
   * `then`, what the command prints after `readyLine` goes there, and the ready start's
   * `session` writes to its input (implementations that cannot keep it return none).
   */
  startWithScript(
    name: string,
    script: string,
    options: CallOptions & { readyLine: string; timeoutMs: DeadlineMs; whileSettingUp?: () => Promise<void>; then?: SessionSinks },
  ): Promise<ScriptStart>;
  /** Removes the container, killing it first; a missing container is not an error. */
  removeContainer(name: string, options?: CallOptions): Promise<void>;
  listContainers(labelFilter: Labels | string[], options?: CallOptions): Promise<ContainerInfo[]>;

  /** Puts files in a running container (streamed: a large file never sits in memory). */
  copyFiles(container: string, files: FileToCopy[], options?: CallOptions): Promise<void>;
  /**
   * Runs a command in a container. The engine does not stop the command when the call is
   * aborted: callers that need that signal it in the container (see in-host/).
   */
  exec(container: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a command with its input kept open, for a conversation with it. The engine ends
   * the command's input when the session is closed or this process exits.
   */
  openSession(container: string, command: string[], options: SessionOptions): Promise<ExecSession>;
  /** Starts a command and returns at once; it keeps running after this process exits. */
  execDetached(container: string, command: string[], options?: CallOptions & { env?: Record<string, string> }): Promise<void>;
  execInteractive(container: string, command: string[], options: InteractiveExecOptions): Promise<number>;

  /** Runs a short-lived helper container to completion and removes it. */
  runHelper(options: HelperRunOptions): Promise<ExecResult>;
  /** Starts a helper container that stays (its command runs on) until it is removed; commands go in by `exec`. */
  startHelper(options: HelperRunOptions & { name: string }): Promise<void>;
}

// ---- errors --------------------------------------------------------------------------

export type EngineErrorKind = 'unavailable' | 'not-found' | 'conflict' | 'timeout' | 'rejected';

/**
 * A failed engine call, in socklab's words: what socklab was doing (`operation`), and what
 * the engine said (`engineMessage`, without HTTP codes).
 */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly kind: EngineErrorKind,
    readonly operation: string,
    readonly engineMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${engineMessage}`, options);
  }
}

/** The engine cannot be reached at all (not running, stopped mid-run, no permission). */
export class EngineUnavailableError extends EngineError {
  override name = 'EngineUnavailableError';
  constructor(message: string, operation = 'reaching the Docker engine', options?: { cause?: unknown }) {
    super('unavailable', operation, message, options);
    this.message = message;
  }
}

export class NotFoundError extends EngineError {
  override name = 'NotFoundError';
}

export class ConflictError extends EngineError {
  override name = 'ConflictError';
}

export class EngineTimeoutError extends EngineError {
  override name = 'EngineTimeoutError';
}
