// tcp-hello-server: seed 004 (ソケット通信の仕組み), server_tcp.py.
// Listens on TCP port 60001; for each of five connections prints the client's address,
// sends b'Hello World!' and closes that connection; after the fifth it closes the
// listening socket and exits.
//   listening on 0.0.0.0:60001 (tcp)
//   connection from 10.0.0.20:41822
import { bindFlag, countFlag, messageFlag, parseCli, portFlag } from './lib/cli.js';
import { exitOnStopSignals, runMain, serveTcp } from './lib/net.js';

const NAME = 'tcp-hello-server';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 004 TCP server: accept --count connections; to each send --message and close it; then exit 0.',
  options: {
    bind: bindFlag(),
    port: portFlag(60001, 'TCP port to listen on'),
    count: countFlag(5, 'connections to serve before exiting (0 = run until stopped)'),
    message: messageFlag('Hello World!', 'what each client is sent'),
    hold: countFlag(0, 'milliseconds to keep each connection open after sending, so a lesson can watch it in netstat and conntrack'),
  },
});

exitOnStopSignals();
runMain(NAME, async () => {
  await serveTcp({
    bind: flags.bind,
    port: flags.port,
    count: flags.count,
    onConnection: (socket) => {
      socket.on('error', () => socket.destroy()); // a client that resets is not our failure
      socket.resume(); // discard anything the client sends
      // conn.send(b'Hello World!'); conn.close() -- after --hold ms, if asked.
      socket.write(flags.message);
      setTimeout(() => {
        socket.end();
        socket.setTimeout(5000, () => socket.destroy()); // do not wait forever for the client's FIN
      }, flags.hold);
    },
  });
});
