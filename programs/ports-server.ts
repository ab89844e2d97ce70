// ports-server: seed 000 (【Python】socket通信を行う – UDP, TCP), the port-number section:
// well-known 0-1023, registered 1024-49151, dynamic/private 49152-65535. Listens on
// every --port given and labels each with its class; the `listening` lines are printed
// only once all ports are bound. Each connection is printed and closed. Runs until
// SIGTERM/SIGINT.
//   listening on 0.0.0.0:80 (tcp) well-known
//   listening on 0.0.0.0:8080 (tcp) registered
//   listening on 0.0.0.0:50000 (tcp) dynamic/private
//   connection from 10.0.0.20:41822 to port 8080
import * as net from 'node:net';
import { bindFlag, parseCli } from './lib/cli.js';
import { exitOnStopSignals, fmtAddr, listenTcp, peerOf, portClass, runMain } from './lib/net.js';

const NAME = 'ports-server';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 000 port classes: listen on each --port and print its IANA class; runs until stopped.',
  options: {
    bind: bindFlag(),
    port: {
      type: 'number',
      multiple: true,
      integer: true,
      min: 0,
      max: 65535,
      default: [80, 8080, 50000],
      help: 'TCP port to listen on',
      arg: 'port',
    },
  },
});

exitOnStopSignals();
runMain(NAME, async () => {
  const bound: number[] = [];
  for (const port of flags.port) {
    const server = net.createServer((socket) => {
      console.log(`connection from ${peerOf(socket)} to port ${(socket.address() as net.AddressInfo).port}`);
      socket.on('error', () => socket.destroy());
      socket.resume();
      socket.end();
    });
    bound.push(await listenTcp(server, flags.bind, port, true));
  }
  for (const port of bound) console.log(`listening on ${fmtAddr(flags.bind, port)} (tcp) ${portClass(port)}`);
});
