// Parses `netstat -tanp` / `-uanp` output (net-tools) into socket records, and words that
// output for people the way the rest of socklab speaks of addresses (IPv4 as IPv4).
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
    // tcp6/udp6 rows are IPv6 sockets; on this kernel's default (bindv6only=0) one bound to
    // `::` also takes IPv4, as Node's `server.listen(port)` does: it counts as IPv4's `0.0.0.0`,
    // and its IPv4 peers (`::ffff:10.0.0.20`) as plain IPv4 (parseEndpoint).
    const protocol = fields[0] === 'tcp6' ? 'tcp' : fields[0] === 'udp6' ? 'udp' : fields[0];
    if (protocol !== 'tcp' && protocol !== 'udp') continue; // headers, unix
    const local = anyAddressAsIpv4(parseEndpoint(fields[3] ?? ''));
    const remote = anyAddressAsIpv4(parseEndpoint(fields[4] ?? ''));
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

const anyAddressAsIpv4 = (endpoint: Endpoint | undefined): Endpoint | undefined => (endpoint?.ip === '::' ? { ...endpoint, ip: '0.0.0.0' } : endpoint);

/**
 * `netstat`/`ss` output with IPv4-mapped addresses (`::ffff:10.0.0.20:5555`) written as the
 * IPv4 addresses they are, padded so that the columns stay where they were.
 */
export function withPlainIpv4(text: string): string {
  return text.replace(/::ffff:(\d{1,3}(?:\.\d{1,3}){3}:\S+)/g, (_whole, address: string) => `${address}${' '.repeat('::ffff:'.length)}`);
}
