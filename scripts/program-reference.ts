// docs/programs.md: the flags of every bundled lesson program, taken from the programs
// themselves (each one's `--help`, from the same flag table it parses with), and the seeds'
// Python programs with what their header says they take. Written by
// `npx tsx scripts/write-program-docs.ts`; test/unit/program-reference.test.ts checks that the
// page is up to date.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePrograms, PROGRAM_NAMES, PROGRAMS_DIR, PYTHON_PROGRAMS } from '../programs/build.js';

export const PROGRAM_REFERENCE = 'docs/programs.md';

/** The comment lines at the top of a source file, without their comment marks. */
function headerOf(file: string, mark: '//' | '#'): string[] {
  const lines: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith(mark)) break;
    lines.push(line.slice(mark.length).replace(/^ /, ''));
  }
  return lines;
}

export async function programReference(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'socklab-program-docs-'));
  try {
    const bundles = await bundlePrograms(out);
    const sections = PROGRAM_NAMES.map((name) => {
      const help = execFileSync(process.execPath, [bundles[name], '--help'], { encoding: 'utf8' }).trimEnd();
      const about = headerOf(join(PROGRAMS_DIR, `${name}.ts`), '//');
      return [`### ${name}`, '', `\`programs/${name}.ts\`, as its source introduces it:`, '', '```text', ...about, '```', '', '```text', help, '```', ''].join(
        '\n',
      );
    });
    const python = PYTHON_PROGRAMS.map((file) => {
      const about = headerOf(join(PROGRAMS_DIR, 'python', file), '#');
      return [`### ${file}`, '', `\`programs/python/${file}\`:`, '', '```text', ...about, '```', ''].join('\n');
    });
    return [
      '# The bundled lesson programs',
      '',
      'Written by `npx tsx scripts/write-program-docs.ts` from the programs themselves: the flags below are',
      "each program's own `--help`. A scenario runs one with `program: programs/NAME.ts` and `args: [...]`.",
      '',
      '## TypeScript programs',
      '',
      ...sections,
      "## The seeds' Python programs",
      '',
      'Copied from the tutorials as printed; where a change was needed to run on two hosts, the header says so.',
      'They take no flags: at most the server address as their first argument.',
      '',
      ...python,
    ].join('\n');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
