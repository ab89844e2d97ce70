// Where a step's `program:` file is found. Paths are relative to the scenario's folder and may
// not leave it; `programs/...` also finds socklab's bundled program library, so a lesson in
// scenarios/ can name programs/tcp-hello-server.ts without copying it.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';

export const PROGRAM_EXTENSIONS = ['.ts', '.js', '.py'];

export type ProgramLocation =
  | { kind: 'found'; path: string }
  | { kind: 'missing'; searched: string[] }
  | { kind: 'outside' };

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

export function resolveProgramPath(program: string, scenarioDir: string): ProgramLocation {
  const local = resolve(scenarioDir, program);
  const rel = relative(scenarioDir, local);
  if (isAbsolute(program) || rel.startsWith('..') || isAbsolute(rel)) return { kind: 'outside' };
  if (isFile(local)) return { kind: 'found', path: local };
  const searched = [scenarioDir];
  const normalized = normalize(program);
  if (normalized.startsWith(`programs/`)) {
    const bundled = join(BUNDLED_PROGRAMS_DIR, normalized.slice('programs/'.length));
    searched.push(BUNDLED_PROGRAMS_DIR);
    if (isFile(bundled)) return { kind: 'found', path: bundled };
  }
  return { kind: 'missing', searched };
}
