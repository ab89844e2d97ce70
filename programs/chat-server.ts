// chat-server: seed 002 (Pythonでソケットを使った独自プロトコルの実装方法), 応用例1:
// チャットアプリケーション. The seed's server starts a thread per client on port 12345
// and prints what each sends; this one (one event loop instead of threads) also relays:
// every line a client sends goes to all the OTHER connected clients as "[IP:PORT] text".
//   listening on 0.0.0.0:12345 (tcp)
//   join 10.0.0.20:41822
//   10.0.0.20:41822 says: hi
//   leave 10.0.0.20:41822
import type * as net from 'node:net';
import { bindFlag, parseCli, portFlag } from './lib/cli.js';
import { exitOnStopSignals, listenTcp, oneLine, peerOf, runMain } from './lib/net.js';
import { LineSplitter } from './lib/lines.js';
import { createServer } from 'node:net';

const NAME = 'chat-server';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 002 chat server: many clients at once; each line a client sends is relayed to all the others.',
  options: {
    bind: bindFlag(),
    port: portFlag(12345, 'TCP port to listen on'),
  },
});

const clients = new Map<net.Socket, string>();

function broadcast(from: net.Socket, line: string): void {
  const out = `[${clients.get(from)}] ${line}\n`;
  for (const [socket] of clients) {
    if (socket !== from && socket.writable) socket.write(out);
  }
}

function join(socket: net.Socket): void {
  const peer = peerOf(socket);
  clients.set(socket, peer);
  console.log(`join ${peer}`);
  const lines = new LineSplitter();
  const say = (line: string): void => {
    console.log(`${peer} says: ${oneLine(line)}`);
    broadcast(socket, line);
  };
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => lines.push(text).forEach(say));
  socket.on('end', () => {
    const last = lines.flush();
    if (last !== null) say(last);
  });
  socket.on('error', () => socket.destroy()); // ECONNRESET etc.: the client is gone
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`leave ${peer}`);
  });
}

exitOnStopSignals();
runMain(NAME, async () => {
  await listenTcp(createServer(join), flags.bind, flags.port);
});
