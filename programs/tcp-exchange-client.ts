// tcp-exchange-client: seed 003 (Python TCP/UDP socket, Korean), TCP "Client code".
// Connects to TCP port 7001, prints "Connection Success..", sends "Hello, i'm client!",
// receives up to 1024 bytes and prints them.
//   Connection Success..
//   Client : Data Received : Hello, i'm server!
import { hostFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { connectTcp, fmtAddr, readFirst, runMain } from './lib/net.js';

const NAME = 'tcp-exchange-client';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 003 TCP client: connect, send --message, print the reply (recv 1024).',
  options: {
    host: hostFlag(),
    port: portFlag(7001, 'server TCP port'),
    message: messageFlag("Hello, i'm client!"),
    timeout: timeoutFlag(10, 'seconds to wait for the connection and for the reply'),
  },
});

runMain(NAME, async () => {
  const socket = await connectTcp(flags.host, flags.port, flags.timeout);
  console.log('Connection Success..');
  socket.write(Buffer.from(flags.message, 'utf8'));
  const data = await readFirst(socket, 1024, `receive from ${fmtAddr(flags.host, flags.port)}`, flags.timeout);
  console.log(`Client : Data Received : ${data.toString('utf8')}`);
  socket.destroy();
});
