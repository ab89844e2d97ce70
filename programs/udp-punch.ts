// udp-punch: a peer of UDP hole punching (nat-hole-punching lesson). From one local port it
// says HELLO to the rendezvous server until told where the other peer is, then sends
// `PUNCH from <name>` to the other's public address:port every 200 ms. Each punch that goes
// out opens its own NAT to answers from there; once a punch from the other has come through,
// it sends a few more (so the other hears it too) and exits 0. Nothing within --timeout:
// exit 1, saying so.
//   rendezvous: peer b is at 203.0.113.2:40000; I am 203.0.113.1:40000
//   punch from 203.0.113.2:40000: PUNCH from b
//   hole punched: a and b talk directly, 203.0.113.1:40000 <-> 203.0.113.2:40000
import * as dgram from 'node:dgram';
import { parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { Failure, bindUdp, fmtAddr, oneLine, resolveHost, runMain } from './lib/net.js';

const NAME = 'udp-punch';
const flags = parseCli({
  name: NAME,
  summary: 'UDP hole punching peer: meet the other peer through the rendezvous server, then send to each other until a packet gets through.',
  options: {
    name: { type: 'string', default: 'peer', help: "this peer's name, as the rendezvous server pairs and prints it", arg: 'name' },
    rendezvous: { type: 'string', default: '127.0.0.1', help: 'address of the rendezvous server', arg: 'addr' },
    'rendezvous-port': portFlag(3478, "the rendezvous server's UDP port"),
    'local-port': portFlag(40000, 'local UDP port to send and receive on (0 = any)'),
    timeout: timeoutFlag(5, 'seconds to wait for the rendezvous, then as long again for the other peer (exit 1 after)'),
  },
});

const EXTRA_PUNCHES = 3;
const INTERVAL_MS = 200;

runMain(NAME, async () => {
  const rendezvous = await resolveHost(flags.rendezvous);
  const socket = dgram.createSocket('udp4');
  await bindUdp(socket, '0.0.0.0', flags['local-port']);
  const every = (ms: number, action: () => void) => {
    action();
    return setInterval(action, ms);
  };
  try {
    // 1. Meet: HELLO until the rendezvous answers with the other peer.
    const meeting = await new Promise<{ name: string; address: string; port: number; me: string }>((resolve, reject) => {
      const hello = every(500, () => socket.send(`HELLO ${flags.name}`, flags['rendezvous-port'], rendezvous));
      const timer = setTimeout(() => {
        clearInterval(hello);
        reject(new Failure(`no answer from the rendezvous at ${fmtAddr(rendezvous, flags['rendezvous-port'])} within ${flags.timeout}s`));
      }, flags.timeout * 1000);
      socket.on('message', function onPeer(msg, from) {
        const peer = /^PEER (\S+) ([\d.]+):(\d+) YOU (\S+)$/.exec(msg.toString('utf8').trim());
        if (!peer || from.address !== rendezvous) return;
        clearInterval(hello);
        clearTimeout(timer);
        socket.off('message', onPeer);
        resolve({ name: peer[1]!, address: peer[2]!, port: Number(peer[3]), me: peer[4]! });
      });
    });
    const there = fmtAddr(meeting.address, meeting.port);
    console.log(`rendezvous: peer ${meeting.name} is at ${there}; I am ${meeting.me}`);
    // 2. Punch: send until a punch from the other comes through, then a few more.
    await new Promise<void>((resolve, reject) => {
      let extra = -1;
      const punches = every(INTERVAL_MS, () => {
        socket.send(`PUNCH from ${flags.name}`, meeting.port, meeting.address);
        if (extra >= 0 && ++extra >= EXTRA_PUNCHES) finish();
      });
      const timer = setTimeout(() => {
        clearInterval(punches);
        reject(
          new Failure(
            `no packet from peer ${meeting.name} at ${there} within ${flags.timeout}s: a NAT dropped the punches (one that gives each destination another port cannot be punched through)`,
          ),
        );
      }, flags.timeout * 1000);
      const finish = () => {
        clearInterval(punches);
        clearTimeout(timer);
        console.log(`hole punched: ${flags.name} and ${meeting.name} talk directly, ${meeting.me} <-> ${there}`);
        resolve();
      };
      socket.on('message', (msg, from) => {
        const text = msg.toString('utf8').trim();
        if (!text.startsWith('PUNCH ')) return;
        // The first one says it all; the others are the same.
        if (extra >= 0) return;
        console.log(`punch from ${fmtAddr(from.address, from.port)}: ${oneLine(text)}`);
        extra = 0;
      });
    });
  } finally {
    socket.close();
  }
});
