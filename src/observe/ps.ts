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
