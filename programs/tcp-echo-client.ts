// tcp-echo-client: seed 000 (【Python】socket通信を行う – UDP, TCP), tcp_client.py.
// Connects to TCP port 50000, sends b'Hello TCP' with sendall(), reads the echo and
// prints it like the seed's print('Received', repr(data)). It half-closes (shutdown
// SHUT_WR) after sending so the server sees the end and the whole reply is read.
//   Received b'Hello TCP'
import { hostFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { connectTcp, fmtAddr, readToEnd, runMain } from './lib/net.js';
import { pyRepr } from './lib/pyrepr.js';

const NAME = 'tcp-echo-client';
const flags = parseCli({
  name: NAME,
  summary: "Seed 000 TCP client: send --message, read the echo and print it as Python's repr of bytes.",
  options: {
    host: hostFlag(),
    port: portFlag(50000, 'server TCP port'),
    message: messageFlag('Hello TCP'),
    timeout: timeoutFlag(10, 'seconds to wait for the connection and for the reply'),
  },
});

runMain(NAME, async () => {
  const socket = await connectTcp(flags.host, flags.port, flags.timeout, true);
  const reply = readToEnd(socket, `receive from ${fmtAddr(flags.host, flags.port)}`, flags.timeout);
  socket.end(Buffer.from(flags.message, 'utf8')); // sendall() + shutdown(SHUT_WR)
  const data = await reply;
  socket.destroy();
  console.log(`Received ${pyRepr(data)}`);
});
