// Files a scenario names on this machine (its programs, its hosts' `files`), found the way
// the engine host stays safe: by their real path, after every symbolic link, and only
// inside the folders they may come from (the scenario's own, and socklab's programs). A
// link that leads out of those folders is refused rather than followed, and only regular
// files are read: a FIFO or a device would hang or never end.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export type LocalFile =
  | { kind: 'found'; path: string; size: number }
  | { kind: 'missing' }
  | { kind: 'outside' }
  | { kind: 'links-outside'; target: string }
  | { kind: 'not-a-file'; what: string }
  | { kind: 'too-large'; size: number };

/** True when `path` (absolute) lies inside `dir` (absolute). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const realDir = (dir: string) => {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
};

/**
 * `name` relative to `baseDir`, which it may not leave, written or linked; its real path
 * must lie in one of `roots` (default: `baseDir` itself).
 */
export function findLocalFile(name: string, baseDir: string, options: { roots?: string[]; maxBytes?: number } = {}): LocalFile {
  const base = resolve(baseDir);
  const written = resolve(base, name);
  if (isAbsolute(name) || !isInside(base, written)) return { kind: 'outside' };
  let real: string;
  try {
    real = realpathSync(written);
  } catch {
    return { kind: 'missing' };
  }
  const roots = (options.roots ?? [base]).map(realDir);
  if (!roots.some((root) => isInside(root, real))) return { kind: 'links-outside', target: real };
  const stat = statSync(real);
  if (stat.isDirectory()) return { kind: 'not-a-file', what: 'a folder' };
  if (!stat.isFile()) return { kind: 'not-a-file', what: 'not a regular file (a device, a pipe or a socket)' };
  if (options.maxBytes !== undefined && stat.size > options.maxBytes) return { kind: 'too-large', size: stat.size };
  return { kind: 'found', path: real, size: stat.size };
}

/** What is wrong with a file (`what`: 'file', 'program') that was not found, as a sentence. */
export function localFileProblem(what: string, name: string, found: Exclude<LocalFile, { kind: 'found' }>, maxBytes?: number): string {
  switch (found.kind) {
    case 'missing':
      return `${what} '${name}' does not exist; paths are relative to the scenario's folder.`;
    case 'outside':
      return `'${name}' is outside the scenario's folder; copy only files that sit beside the scenario (or below it).`;
    case 'links-outside':
      return `${what} '${name}' leads to ${found.target}, outside the scenario's folder (through a symbolic link); socklab does not follow it. Copy the file into the folder instead.`;
    case 'not-a-file':
      return `${what} '${name}' is ${found.what}; give a regular file.`;
    case 'too-large':
      return `${what} '${name}' is ${(found.size / 1024 / 1024).toFixed(1)} MB, more than the ${((maxBytes ?? 0) / 1024 / 1024).toFixed(0)} MB socklab takes.`;
  }
}
