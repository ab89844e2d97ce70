// chat-client: seed 002 (Pythonでソケットを使った独自プロトコルの実装方法), 応用例1:
// チャットアプリケーション, the client side the seed leaves out. Connects to port 12345,
// sends each --line (newline-framed) --interval ms apart, prints every line the server
// relays from the other clients, lingers, then closes.
//   connected as 10.0.0.20:41822
//   got: [10.0.0.21:39110] hello from b
import { hostFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { connectTcp, die, fmtAddr, localOf, oneLine, reason, runMain } from './lib/net.js';
import { LineSplitter } from './lib/lines.js';

const NAME = 'chat-client';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 002 chat client: send --line lines, print what the others say, stay --linger ms, exit 0.',
  options: {
    host: hostFlag(),
    port: portFlag(12345, 'server TCP port'),
    line: { type: 'string', multiple: true, help: 'a line to send', arg: 'text' },
    delay: { type: 'number', min: 0, default: 0, help: 'milliseconds to wait after connecting, before the first line', arg: 'ms' },
    interval: { type: 'number', min: 0, default: 300, help: 'milliseconds between lines', arg: 'ms' },
    linger: { type: 'number', min: 0, default: 2000, help: 'milliseconds to stay connected after the last line', arg: 'ms' },
    timeout: timeoutFlag(10, 'seconds to wait for the connection'),
  },
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

runMain(NAME, async () => {
  const server = fmtAddr(flags.host, flags.port);
  const socket = await connectTcp(flags.host, flags.port, flags.timeout);
  console.log(`connected as ${localOf(socket)}`);

  let state: 'sending' | 'lingering' | 'closing' = 'sending';
  const lines = new LineSplitter();
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    for (const l of lines.push(text)) console.log(`got: ${oneLine(l)}`);
  });
  socket.on('error', (err) => die(`connection to ${server} failed: ${reason(err)}`));
  socket.on('end', () => {
    if (state === 'sending') die(`connection closed by ${server} before all lines were sent`);
    if (state === 'lingering') console.log('server closed the connection');
  });

  await sleep(flags.delay);
  for (const [i, line] of flags.line.entries()) {
    if (i > 0) await sleep(flags.interval);
    socket.write(`${line}\n`);
  }
  state = 'lingering';
  await sleep(flags.linger);
  state = 'closing';
  socket.end();
  setTimeout(() => socket.destroy(), 2000).unref(); // if the server never closes its side
});
