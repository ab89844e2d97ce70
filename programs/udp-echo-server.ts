// udp-echo-server: seed 003 (Python TCP/UDP socket, Korean), UDP "Server code".
// Binds UDP port 7001, receives with recvfrom(200) and sends the data straight back to
// the sender with sendto(), then exits (after --count datagrams, default 1).
// Like recvfrom(200), a longer datagram is cut to 200 bytes and only those are echoed.
//   listening on 0.0.0.0:7001 (udp)
//   datagram from 10.0.0.20:51000: Hello!
//   echoed 6 bytes to 10.0.0.20:51000
import { runUdpResponder } from './lib/udp.js';

runUdpResponder({
  name: 'udp-echo-server',
  summary: 'Seed 003 UDP server: echo --count datagrams (recvfrom 200) back to their senders, then exit.',
  port: 7001,
  count: 1,
  bufsize: 200,
  reply: (data) => data,
  sentLine: (reply, to) => `echoed ${reply.length} bytes to ${to}`,
});
