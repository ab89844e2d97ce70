// docs/programs.md says what the programs themselves say: regenerated here and compared.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROGRAM_REFERENCE, programReference } from '../../scripts/program-reference.js';
import { SOCKLAB_ROOT } from '../../src/util/paths.js';

describe('docs/programs.md', () => {
  it("is every bundled program's --help, up to date (npx tsx scripts/write-program-docs.ts rewrites it)", async () => {
    const page = await programReference();
    expect(page).toContain('--local-port <port>');
    expect(page).toContain('### seed004_client_tcp.py');
    expect(readFileSync(join(SOCKLAB_ROOT, PROGRAM_REFERENCE), 'utf8')).toBe(page);
  }, 60_000);
});
