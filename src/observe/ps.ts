// Parses `ps -eo pid,args` into processes.

export interface ProcessRecord {
  pid: number;
  args: string;
}

export function parsePs(text: string): ProcessRecord[] {
  return text
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: match[2]! }));
}

/** One `ps aux` line as a record (PID is its second column, COMMAND its eleventh and last); undefined for the header. */
export function psAuxRecord(line: string): ProcessRecord | undefined {
  const match = /^\S+\s+(\d+)\s+(?:\S+\s+){8}(.*)$/.exec(line);
  return match ? { pid: Number(match[1]), args: match[2]! } : undefined;
}

/** The same records from `ps aux` (what an observe step shows). */
export function parsePsAux(text: string): ProcessRecord[] {
  return text.split('\n').flatMap((line) => psAuxRecord(line) ?? []);
}

/** `ps aux` output in the `ps -eo pid,args` form the expectations read. */
export const asPidAndArgs = (psAux: string): string =>
  parsePsAux(psAux)
    .map((process) => `${process.pid} ${process.args}`)
    .join('\n');
