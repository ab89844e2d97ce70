// udp-hello-server: seed 000 (【Python】socket通信を行う – UDP, TCP), udp_server.py.
// Binds UDP port 50000, receives one datagram with recvfrom(1024), prints it with the
// sender's address and exits, like the seed. --count receives more before exiting.
//   listening on 0.0.0.0:50000 (udp)
//   datagram from 10.0.0.20:53211: Hello UDP
import { runUdpReceiver } from './lib/udp.js';

runUdpReceiver({
  name: 'udp-hello-server',
  summary: 'Seed 000 UDP server: receive datagrams (recvfrom 1024) and print each with its sender, then exit.',
  port: 50000,
  count: 1,
  bufsize: 1024,
});
