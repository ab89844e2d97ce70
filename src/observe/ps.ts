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

/** The same records from `ps aux` (what an observe step shows): PID is its second column, COMMAND (args) its eleventh and last. */
export function parsePsAux(text: string): ProcessRecord[] {
  return text
    .split('\n')
    .map((line) => /^\S+\s+(\d+)\s+(?:\S+\s+){8}(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: match[2]! }));
}
