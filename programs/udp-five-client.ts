// udp-five-client: seed 004 (ソケット通信の仕組み), client_udp.py.
// Sends b'Hello Server!' once to port 60002 and exits 0 at once. The seed's point: UDP
// is datagram-oriented, so the send succeeds even when no server is listening any more
// (unlike TCP, where connect() fails with ECONNREFUSED).
//   sent 13 bytes to 10.0.0.10:60002
import { runUdpSender } from './lib/udp.js';

runUdpSender({
  name: 'udp-five-client',
  summary: 'Seed 004 UDP client: send --message once (or --count times) and exit 0 without waiting; succeeds even with no server.',
  port: 60002,
  message: 'Hello Server!',
  count: 1,
});
