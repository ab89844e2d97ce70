// A host's small files (its programs, the scenario's files) written by its own setup script,
// which the host reads from its input as it starts: no exec of `tar` to copy them in, which
// was one more process started by the engine per host (thirty copies of a lesson: sixty).
// Larger files are still copied in while the host sets itself up (Runtime.copyFiles).
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { FileToCopy } from '../runtime/runtime.js';
import { shellQuote } from '../in-host/contract.js';

/** Files up to this much in all go in with the setup script (base64 makes them a third larger). */
export const FILES_IN_SETUP_MAX_BYTES = 256 * 1024;

/** Where a file's text ends in the script; a base64 line never holds it. */
const END = 'SOCKLAB_FILE_END';
/** base64 lines of this length: short enough for any shell's line reading. */
const LINE = 4096;

/**
 * Shell lines that write `files` into the host (folders made, modes set), or undefined when
 * they are too big to go with the script (the caller copies them instead). A file that cannot
 * be written stops the setup, saying which.
 */
export async function filesInSetup(files: readonly FileToCopy[], maxBytes = FILES_IN_SETUP_MAX_BYTES): Promise<string | undefined> {
  const total = files.reduce((sum, file) => sum + ('content' in file ? file.content.length : file.size), 0);
  if (total > maxBytes) return undefined;
  const contents = await Promise.all(files.map((file) => ('content' in file ? Promise.resolve(file.content) : readFile(file.source))));
  // The size seen when the file was found may be out of date: the limit holds for what was read.
  if (contents.reduce((sum, content) => sum + content.length, 0) > maxBytes) return undefined;
  const folders = [...new Set(files.map((file) => posix.dirname(file.path)))];
  const lines = folders.length > 0 ? [`mkdir -p ${folders.map(shellQuote).join(' ')}`] : [];
  files.forEach((file, index) => {
    const path = shellQuote(file.path);
    const base64 = contents[index]!.toString('base64');
    const text = Array.from({ length: Math.ceil(base64.length / LINE) }, (_, line) => base64.slice(line * LINE, (line + 1) * LINE));
    lines.push(
      `base64 -d > ${path} <<'${END}' || { echo "socklab: could not write ${file.path.replaceAll(/["$`\\]/g, '')} in the host" >&2; exit 1; }`,
      ...text,
      END,
      `chmod ${(file.mode ?? 0o644).toString(8)} ${path}`,
    );
  });
  return lines.join('\n');
}
