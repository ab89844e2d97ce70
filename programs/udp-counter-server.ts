// udp-counter-server: seed 001 (Python クライアントサーバソケット機能 UDPプロトコル編),
// "ソケット-サーバ機能(003)". Binds UDP port 49152 and answers every datagram with
// "Server accessed.(n)", n counting the accesses from 1, until stopped.
//   listening on 0.0.0.0:49152 (udp)
//   datagram from 10.0.0.20:38211: Hello.
//   sent: Server accessed.(1) to 10.0.0.20:38211
import { runUdpResponder } from './lib/udp.js';

runUdpResponder({
  name: 'udp-counter-server',
  summary: 'Seed 001 UDP server: answer each datagram with "Server accessed.(n)", n counting from 1 (recvfrom 4096).',
  port: 49152,
  count: 0,
  bufsize: 4096,
  reply: (_data, n) => Buffer.from(`Server accessed.(${n})`, 'utf8'),
  sentLine: (reply, to) => `sent: ${reply.toString('utf8')} to ${to}`,
});
