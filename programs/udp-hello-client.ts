// udp-hello-client: seed 000 (【Python】socket通信を行う – UDP, TCP), udp_client.py.
// Sends b'Hello UDP' to port 50000 with sendto() and exits without waiting for a reply.
//   sent 9 bytes to 10.0.0.10:50000
import { runUdpSender } from './lib/udp.js';

runUdpSender({
  name: 'udp-hello-client',
  summary: 'Seed 000 UDP client: send --message --count times with sendto() and exit; never waits for a reply.',
  port: 50000,
  message: 'Hello UDP',
  count: 1,
});
