// Where socklab's own files are, wherever it is run from.
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, relative } from 'node:path';

/** The socklab checkout or package root (holds programs/, images/, scenarios/). */
export const SOCKLAB_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const BUNDLED_PROGRAMS_DIR = join(SOCKLAB_ROOT, 'programs');
export const LAB_IMAGE_DIR = join(SOCKLAB_ROOT, 'images', 'lab');
export const BUNDLED_SCENARIOS_DIR = join(SOCKLAB_ROOT, 'scenarios');

/** A path relative to the working folder when it lies inside it (shorter, and the same on every machine). */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
