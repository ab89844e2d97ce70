// ports-client: seed 000 (【Python】socket通信を行う – UDP, TCP), the port-number section,
// from the client's side: connects to each --port and shows which local port the kernel
// picked for this end and its IANA class, plus the kernel's ephemeral port range
// (/proc/sys/net/ipv4/ip_local_port_range; Linux's 32768-60999 straddles the
// registered and dynamic classes).
//   connected to 10.0.0.10:8080 from local port 41822 (registered)
//   ephemeral port range: 32768-60999
import * as fs from 'node:fs';
import { hostFlag, parseCli, timeoutFlag } from './lib/cli.js';
import { Failure, connectTcp, fmtAddr, portClass, runMain } from './lib/net.js';

const NAME = 'ports-client';
const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 000 port classes: connect to each --port, print the local port used and its class, and the ephemeral range.',
  options: {
    host: hostFlag(),
    port: {
      type: 'number',
      multiple: true,
      integer: true,
      min: 1,
      max: 65535,
      default: [80, 8080, 50000],
      help: 'server TCP port to connect to',
      arg: 'port',
    },
    timeout: timeoutFlag(10, 'seconds to wait for each connection'),
  },
});

function ephemeralRange(): string {
  try {
    const [low, high] = fs.readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/);
    return `${low}-${high}`;
  } catch (err) {
    return `unknown (cannot read ${RANGE_FILE}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

runMain(NAME, async () => {
  let failures = 0;
  for (const port of flags.port) {
    try {
      const socket = await connectTcp(flags.host, port, flags.timeout);
      const local = socket.localPort ?? 0;
      console.log(`connected to ${fmtAddr(socket.remoteAddress, socket.remotePort)} from local port ${local} (${portClass(local)})`);
      socket.on('error', () => undefined);
      socket.destroy();
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      process.stderr.write(`${err.message}\n`); // report and go on with the other ports
      failures += 1;
    }
  }
  console.log(`ephemeral port range: ${ephemeralRange()}`);
  if (failures > 0) process.exitCode = 1;
});
