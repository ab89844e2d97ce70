// Where socklab's own files are, wherever it is run from.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The socklab checkout or package root (holds programs/, images/, scenarios/). */
export const SOCKLAB_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const BUNDLED_PROGRAMS_DIR = join(SOCKLAB_ROOT, 'programs');
export const LAB_IMAGE_DIR = join(SOCKLAB_ROOT, 'images', 'lab');
export const BUNDLED_SCENARIOS_DIR = join(SOCKLAB_ROOT, 'scenarios');
