// What every lab host gets unless its scenario says otherwise: resource limits, and the
// folders it may write to. Lab hosts run code people are still writing, so each one is
// boxed: a fork storm meets its pids limit, a memory hog its memory limit, a busy loop its
// CPU share, and a disk filler its memory (the root filesystem is read-only; the writable
// folders below live in memory, counted against the memory limit).
import { parseSize } from '../util/sizes.js';

export interface HostLimits {
  memoryBytes: number;
  pids: number;
  cpus: number;
}

export const DEFAULT_LIMITS: HostLimits = { memoryBytes: 512 * 1024 * 1024, pids: 512, cpus: 1 };
export const MIN_MEMORY_BYTES = 32 * 1024 * 1024;
export const MIN_PIDS = 32;

/** The writable folders of a lab host; everything else is read-only. */
export const WRITABLE_FOLDERS = ['/lab', '/tmp', '/var/tmp', '/run', '/root', '/home', '/srv', '/var/log'] as const;

/** Where programs start, and where a relative path written by a program lands. */
export const WORKING_FOLDER = '/root';

export function hostLimits(host: { limits?: { memory?: string; pids?: number; cpus?: number } }): HostLimits {
  const limits = host.limits ?? {};
  return {
    memoryBytes: (limits.memory !== undefined ? parseSize(limits.memory) : undefined) ?? DEFAULT_LIMITS.memoryBytes,
    pids: limits.pids ?? DEFAULT_LIMITS.pids,
    cpus: limits.cpus ?? DEFAULT_LIMITS.cpus,
  };
}

/** The writable folder a path in the host lies in, if any. */
export function writableFolderOf(path: string): string | undefined {
  return WRITABLE_FOLDERS.find((folder) => path.startsWith(`${folder}/`));
}
