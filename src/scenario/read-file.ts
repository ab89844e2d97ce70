// The file layer of loading: reading a scenario's bytes safely and checking they are text.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Scenarios are hand-written; anything larger is a mistake (or an attack on the parser). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/**
 * The bytes of a scenario file, or what is wrong with it. Only a regular file is read (a
 * FIFO would block, /dev/zero would never end), opened without blocking and checked on the
 * opened file itself, and never more than the size limit: the count is kept while reading,
 * as a file can grow after its size was looked at.
 */
export async function readScenarioBytes(file: string): Promise<Buffer | string> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'cannot read the scenario file: it does not exist. Check the path.'
      : `cannot read the scenario file (${code ?? (error as Error).message}); check its permissions.`;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return 'this is a folder; give the path of a scenario file (.yaml) inside it.';
    if (!info.isFile()) return 'this is not a regular file (a device, a pipe or a socket); give the path of a scenario file (.yaml).';
    if (info.size > MAX_SCENARIO_BYTES) return `the file is ${(info.size / 1024 / 1024).toFixed(1)} MB; a scenario is at most 1 MB. Is this the right file?`;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(64 * 1024) });
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_SCENARIO_BYTES) return `the file is larger than 1 MB; a scenario is at most 1 MB. Is this the right file?`;
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks);
  } catch (error) {
    return `cannot read the scenario file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Where the first NUL byte or invalid UTF-8 sequence is, if any, and what to say about it. */
export function findBinary(bytes: Buffer): { line: number; column: number; message: string } | undefined {
  const at = (offset: number) => {
    const lines = bytes.subarray(0, offset).toString('utf8').split('\n');
    return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
  };
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { ...at(nul), message: 'this is a binary file (it holds NUL bytes), not a YAML text file; check that this is the scenario you meant.' };
  }
  const invalid = firstInvalidUtf8(bytes);
  if (invalid === undefined) return undefined;
  const byte = bytes[invalid]!.toString(16).toUpperCase().padStart(2, '0');
  return {
    ...at(invalid),
    message: `byte 0x${byte} is not valid UTF-8: the file was saved in another encoding (e.g. Latin-1); save it as UTF-8.`,
  };
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number | undefined {
  const decoded = bytes.toString('utf8');
  const replacement = decoded.indexOf('\uFFFD');
  if (replacement < 0) return undefined;
  // A U+FFFD written in the file is valid UTF-8 (EF BF BD); look past those.
  let offset = 0;
  for (const char of decoded) {
    const width = Buffer.byteLength(char);
    if (char === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    offset += width;
  }
  return undefined;
}
