// udp-echo-client: seed 003 (Python TCP/UDP socket, Korean), UDP "Client code".
// Sends "Hello!" to port 7001, receives the echo with recvfrom(200) and prints it like
// the seed's print(data.decode(), addr). Gives up after --timeout instead of blocking.
// With --connected it connect()s first, as the udp-unreachable lesson compares.
//   Hello! ('10.0.0.10', 7001)
import { hostFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { oneLine, runMain } from './lib/net.js';
import { pyAddrTuple } from './lib/pyrepr.js';
import { udpRequest } from './lib/udp.js';

const NAME = 'udp-echo-client';
const flags = parseCli({
  name: NAME,
  summary: "Seed 003 UDP client: send --message, print the echo and the sender like Python's print(data.decode(), addr).",
  options: {
    host: hostFlag(),
    port: portFlag(7001, 'server UDP port'),
    message: messageFlag('Hello!'),
    timeout: timeoutFlag(3, 'seconds to wait for the echo (exit 1 after)'),
    connected: {
      type: 'boolean',
      help: 'connect() the socket to the server first: then an ICMP port unreachable is reported (ECONNREFUSED), where sendto() on an unconnected socket never hears of it',
    },
  },
});

runMain(NAME, async () => {
  const { reply, from } = await udpRequest(flags.host, flags.port, Buffer.from(flags.message, 'utf8'), flags.timeout, 200, { connected: flags.connected });
  console.log(`${oneLine(reply.toString('utf8'))} ${pyAddrTuple(from.address, from.port)}`);
});
