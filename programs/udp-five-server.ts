// udp-five-server: seed 004 (ソケット通信の仕組み), server_udp.py.
// Binds UDP port 60002, receives five datagrams with recvfrom(4096), printing each with
// its sender, then closes the socket and exits.
//   listening on 0.0.0.0:60002 (udp)
//   datagram from 10.0.0.20:40112: Hello Server!
import { runUdpReceiver } from './lib/udp.js';

runUdpReceiver({
  name: 'udp-five-server',
  summary: 'Seed 004 UDP server: receive --count datagrams (recvfrom 4096), print each with its sender, then exit.',
  port: 60002,
  count: 5,
  bufsize: 4096,
});
