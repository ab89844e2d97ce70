// udp-counter-client: seed 001 (Python クライアントサーバソケット機能 UDPプロトコル編),
// "ソケット-クライアント機能(004)". Sends b"Hello." to port 49152 and prints the server's
// reply. Unlike the seed (which blocks forever in recv), it gives up after --timeout.
//   received: Server accessed.(1)
import { hostFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { oneLine, runMain } from './lib/net.js';
import { udpRequest } from './lib/udp.js';

const NAME = 'udp-counter-client';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 001 UDP client: send --message, wait for the "Server accessed.(n)" reply and print it.',
  options: {
    host: hostFlag(),
    port: portFlag(49152, 'server UDP port'),
    message: messageFlag('Hello.'),
    timeout: timeoutFlag(3, 'seconds to wait for the reply (exit 1 after)'),
  },
});

runMain(NAME, async () => {
  const { reply } = await udpRequest(flags.host, flags.port, Buffer.from(flags.message, 'utf8'), flags.timeout, 4096);
  console.log(`received: ${oneLine(reply.toString('utf8'))}`);
});
