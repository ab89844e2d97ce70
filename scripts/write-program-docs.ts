// Writes docs/programs.md (scripts/program-reference.ts): npx tsx scripts/write-program-docs.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOCKLAB_ROOT } from '../src/util/paths.js';
import { PROGRAM_REFERENCE, programReference } from './program-reference.js';

writeFileSync(join(SOCKLAB_ROOT, PROGRAM_REFERENCE), await programReference());
console.log(`wrote ${PROGRAM_REFERENCE}`);
