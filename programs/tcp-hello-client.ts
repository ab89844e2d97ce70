// tcp-hello-client: seed 004 (ソケット通信の仕組み), client_tcp.py.
// Connects to TCP port 60001, prints what the server sends (Hello World!) and then the
// local address the kernel picked for this end of the connection.
//   Hello World!
//   local address 10.0.0.20:41822
// As the seed notes, TCP is connection-oriented: with no server the connect fails
//   connect to 10.0.0.10:60001 failed: ECONNREFUSED   (exit 1)
import { hostFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { connectTcp, fmtAddr, localOf, readToEnd, runMain } from './lib/net.js';

const NAME = 'tcp-hello-client';
const flags = parseCli({
  name: NAME,
  summary: "Seed 004 TCP client: connect, print what the server sends, then this end's local address.",
  options: {
    host: hostFlag(),
    port: portFlag(60001, 'server TCP port'),
    'local-port': portFlag(0, 'bind this local port before connecting (0: the kernel picks one)'),
    timeout: timeoutFlag(10, 'seconds to wait for the connection and for the data'),
  },
});

runMain(NAME, async () => {
  const socket = await connectTcp(flags.host, flags.port, flags.timeout, false, flags['local-port'] || undefined);
  const local = localOf(socket);
  // What arrives is printed at once, as the seed's recv() returns with the first data: a
  // server that holds the connection open after its greeting (--hold) is seen greeting.
  const data = await readToEnd(socket, `receive from ${fmtAddr(flags.host, flags.port)}`, flags.timeout, (chunk) => process.stdout.write(chunk));
  if (!data.toString('utf8').endsWith('\n')) process.stdout.write('\n');
  console.log(`local address ${local}`);
});
