// Where socklab's own files are, wherever it is run from: the sources (src/, through tsx)
// or the build (dist/), in a checkout or an installed package.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** The nearest folder above this module that holds socklab's package.json. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'socklab') return dir;
    if (dirname(dir) === dir) throw new Error(`socklab's package.json was not found above ${from}`);
  }
}

/** The socklab checkout or package root (holds programs/, images/, scenarios/). */
export const SOCKLAB_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

export const BUNDLED_PROGRAMS_DIR = join(SOCKLAB_ROOT, 'programs');
export const LAB_IMAGE_DIR = join(SOCKLAB_ROOT, 'images', 'lab');
export const BUNDLED_SCENARIOS_DIR = join(SOCKLAB_ROOT, 'scenarios');

/** A path relative to the working folder when it lies inside it (shorter, and the same on every machine). */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
