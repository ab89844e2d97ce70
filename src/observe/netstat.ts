// Parses `netstat -tanp` / `-uanp` output (net-tools) into socket records.
import { parseEndpoint, type Endpoint } from './endpoint.js';

export interface SocketRecord {
  protocol: 'tcp' | 'udp';
  local: Endpoint;
  remote: Endpoint;
  /** TCP state (LISTEN, ESTABLISHED, TIME_WAIT...); UDP sockets have '' or ESTABLISHED. */
  state: string;
  pid?: number;
  program?: string;
}

export function parseNetstat(text: string): SocketRecord[] {
  const records: SocketRecord[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const protocol = fields[0];
    if (protocol !== 'tcp' && protocol !== 'udp') continue; // headers, tcp6, unix
    const local = parseEndpoint(fields[3] ?? '');
    const remote = parseEndpoint(fields[4] ?? '');
    if (!local || !remote) continue;
    // UDP rows may have no state column: the next field is then the PID/Program.
    const hasState = fields[5] !== undefined && !/^(\d+\/|-$)/.test(fields[5]);
    const state = hasState ? fields[5]! : '';
    const owner = fields[hasState ? 6 : 5];
    const match = owner ? /^(\d+)\/(.*)$/.exec(owner) : null;
    records.push({
      protocol,
      local,
      remote,
      state,
      ...(match ? { pid: Number(match[1]), program: match[2] } : {}),
    });
  }
  return records;
}
