// tcp-exchange-server: seed 003 (Python TCP/UDP socket, Korean), TCP "Server code".
// Listens on TCP port 7001, accepts one connection, receives up to 1024 bytes, prints
// them, replies "Hello, i'm server!" and exits.
//   listening on 0.0.0.0:7001 (tcp)
//   connection from 10.0.0.20:41822
//   Server : Data Received : Hello, i'm client!
import { bindFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { die, exitOnStopSignals, readFirst, runMain, serveTcp } from './lib/net.js';

const NAME = 'tcp-exchange-server';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 003 TCP server: accept one connection, print what it sends (recv 1024), reply --message, exit.',
  options: {
    bind: bindFlag(),
    port: portFlag(7001, 'TCP port to listen on'),
    message: messageFlag("Hello, i'm server!", 'the reply'),
    timeout: timeoutFlag(30, "seconds to wait for the client's data once connected"),
  },
});

exitOnStopSignals();
runMain(NAME, async () => {
  await serveTcp({
    bind: flags.bind,
    port: flags.port,
    count: 1,
    onConnection: (socket, peer) => {
      readFirst(socket, 1024, `receive from ${peer}`, flags.timeout).then(
        (data) => {
          console.log(`Server : Data Received : ${data.toString('utf8')}`);
          socket.on('error', () => socket.destroy());
          socket.resume();
          socket.end(Buffer.from(flags.message, 'utf8'));
          socket.setTimeout(5000, () => socket.destroy());
        },
        (err: Error) => die(err.message),
      );
    },
  });
});
