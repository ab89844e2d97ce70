// udp-rendezvous: the public meeting point of UDP hole punching (nat-hole-punching lesson).
// Each peer says `HELLO <name>` from its own port; the server prints the public address and
// port it came from (what the peer's NAT made of it) and, once two have come, tells each the
// other's: `PEER <name> <ip:port> YOU <ip:port>`. --pairs introductions, then it exits.
//   peer a at 203.0.113.1:40000
//   introduced a (203.0.113.1:40000) and b (203.0.113.2:40000)
import * as dgram from 'node:dgram';
import { bindFlag, parseCli, portFlag } from './lib/cli.js';
import { bindUdp, exitOnStopSignals, fmtAddr, runMain } from './lib/net.js';

const NAME = 'udp-rendezvous';
const flags = parseCli({
  name: NAME,
  summary: 'Rendezvous server for UDP hole punching: pairs peers in the order they say HELLO and tells each the public address:port of the other.',
  options: {
    bind: bindFlag(),
    port: portFlag(3478, 'UDP port to receive on'),
    pairs: { type: 'number', integer: true, min: 0, default: 1, help: 'introductions to make before exiting (0 = run until stopped)' },
  },
});

interface Peer {
  name: string;
  address: string;
  port: number;
}

exitOnStopSignals();
runMain(NAME, async () => {
  const socket = dgram.createSocket('udp4');
  let waiting: Peer | undefined;
  let introduced = 0;
  const tell = (to: Peer, other: Peer) =>
    socket.send(`PEER ${other.name} ${fmtAddr(other.address, other.port)} YOU ${fmtAddr(to.address, to.port)}`, to.port, to.address);
  socket.on('message', (msg, from) => {
    const hello = /^HELLO (\S{1,32})$/.exec(msg.toString('utf8').trim());
    if (!hello) return;
    const peer: Peer = { name: hello[1]!, address: from.address, port: from.port };
    // A peer repeats its HELLO until it hears back: the same peer again is not a second one.
    if (waiting && waiting.name === peer.name) return;
    console.log(`peer ${peer.name} at ${fmtAddr(peer.address, peer.port)}`);
    if (!waiting) {
      waiting = peer;
      return;
    }
    tell(waiting, peer);
    tell(peer, waiting);
    console.log(`introduced ${waiting.name} (${fmtAddr(waiting.address, waiting.port)}) and ${peer.name} (${fmtAddr(peer.address, peer.port)})`);
    waiting = undefined;
    introduced += 1;
    if (flags.pairs > 0 && introduced >= flags.pairs) setTimeout(() => socket.close(), 200);
  });
  await bindUdp(socket, flags.bind, flags.port);
});
