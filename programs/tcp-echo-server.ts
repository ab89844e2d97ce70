// tcp-echo-server: seed 000 (【Python】socket通信を行う – UDP, TCP), tcp_server.py.
// Listens on TCP port 50000 and serves clients one after another in an accept loop:
// every received chunk is printed (as Python's repr of bytes) and sent back with
// sendall() semantics (all of it, waiting for 'drain' when the socket is full) until
// the client closes its side. Runs until stopped ([control]+[C]) or --count connections.
//   listening on 0.0.0.0:50000 (tcp)
//   connection from 10.0.0.20:41822
//   received from 10.0.0.20:41822: b'Hello TCP'
import { bindFlag, countFlag, parseCli, portFlag } from './lib/cli.js';
import { exitOnStopSignals, reason, runMain, serveTcp } from './lib/net.js';
import { pyRepr } from './lib/pyrepr.js';

const NAME = 'tcp-echo-server';
const MAX_PRINT = 256;
const flags = parseCli({
  name: NAME,
  summary: 'Seed 000 TCP echo server: print and send back everything each client sends, until it closes.',
  options: {
    bind: bindFlag(),
    port: portFlag(50000, 'TCP port to listen on'),
    count: countFlag(0, 'connections to serve before exiting (0 = run until stopped)'),
  },
});

exitOnStopSignals();
runMain(NAME, async () => {
  await serveTcp({
    bind: flags.bind,
    port: flags.port,
    count: flags.count,
    allowHalfOpen: true, // the client's FIN ends its data; we still finish sending ours
    onConnection: (socket, peer) => {
      socket.on('data', (chunk: Buffer) => {
        const shown = chunk.length > MAX_PRINT ? `${pyRepr(chunk.subarray(0, MAX_PRINT))}... (${chunk.length} bytes)` : pyRepr(chunk);
        console.log(`received from ${peer}: ${shown}`);
        // sendall: queue everything, and stop reading until the kernel took it.
        if (!socket.write(chunk)) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      });
      socket.on('end', () => socket.end()); // recv() returned b'': close after the echo is flushed
      socket.on('error', (err) => {
        process.stderr.write(`connection with ${peer} failed: ${reason(err)}\n`);
        socket.destroy();
      });
    },
  });
});
