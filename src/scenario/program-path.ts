// Where a step's `program:` file is found. Paths are relative to the scenario's folder and may
// not leave it; `programs/...` also finds socklab's bundled program library, so a lesson in
// scenarios/ can name programs/tcp-hello-server.ts without copying it. Real paths count:
// a link out of those folders is refused (local-files.ts).
import { normalize } from 'node:path';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';
import { findLocalFile, type LocalFile } from './local-files.js';

export const PROGRAM_EXTENSIONS = ['.ts', '.js', '.py'];
/** A program is source code a person wrote; anything larger is a mistake. */
export const MAX_PROGRAM_BYTES = 8 * 1024 * 1024;

export type ProgramLocation = LocalFile & { searched: string[] };

export function resolveProgramPath(program: string, scenarioDir: string): ProgramLocation {
  const local = findLocalFile(program, scenarioDir, { roots: [scenarioDir, BUNDLED_PROGRAMS_DIR], maxBytes: MAX_PROGRAM_BYTES });
  if (local.kind !== 'missing') return { ...local, searched: [scenarioDir] };
  const normalized = normalize(program);
  if (!normalized.startsWith('programs/')) return { ...local, searched: [scenarioDir] };
  const bundled = findLocalFile(normalized.slice('programs/'.length), BUNDLED_PROGRAMS_DIR, { maxBytes: MAX_PROGRAM_BYTES });
  return { ...bundled, searched: [scenarioDir, BUNDLED_PROGRAMS_DIR] };
}
