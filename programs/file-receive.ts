// file-receive: seed 002 (Pythonでソケットを使った独自プロトコルの実装方法), 応用例2:
// ファイル転送, the seed's server: listens on port 12345, accepts one connection and
// writes everything received to a file until the sender closes (the seed's
// `while True: data = recv(1024); if not data: break; f.write(data)`).
// It streams (stream.pipeline: socket -> SHA-256 -> file, with backpressure), so memory
// stays flat however big the file is, and reports the peak RSS to show it.
//   listening on 0.0.0.0:12345 (tcp)
//   connection from 10.0.0.20:41822
//   received 104857600 bytes from 10.0.0.20:41822 sha256=3b1f... peak rss 48.2 MB
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { bindFlag, parseCli, portFlag } from './lib/cli.js';
import { Failure, die, exitOnStopSignals, reason, runMain, serveTcp } from './lib/net.js';
import { HashCounter, RssSampler } from './lib/stream.js';

const NAME = 'file-receive';
const flags = parseCli({
  name: NAME,
  summary: 'Seed 002 file receiver: accept one connection, stream it to --out, print its size and SHA-256, exit.',
  options: {
    bind: bindFlag(),
    port: portFlag(12345, 'TCP port to listen on'),
    out: { type: 'string', default: 'received_file.txt', help: 'file to write', arg: 'path' },
  },
});

exitOnStopSignals();
runMain(NAME, async () => {
  // Open the file before listening, so a bad --out fails at once rather than mid-transfer.
  let fd: number;
  try {
    fd = fs.openSync(flags.out, 'w');
  } catch (err) {
    throw new Failure(`open ${flags.out} failed: ${reason(err)}`);
  }
  await serveTcp({
    bind: flags.bind,
    port: flags.port,
    count: 1,
    onConnection: (socket, peer) => {
      const rss = new RssSampler();
      const hash = new HashCounter({ collectEveryBytes: 16 * 1024 * 1024 });
      const file = fs.createWriteStream(flags.out, { fd });
      let failedSide = `receive from ${peer}`;
      file.on('error', () => (failedSide = `write to ${flags.out}`));
      pipeline(socket, hash, file).then(
        () => console.log(`received ${hash.bytes} bytes from ${peer} sha256=${hash.hex()} peak rss ${rss.stop()} MB`),
        (err: unknown) => die(`${failedSide} failed: ${reason(err)}`),
      );
    },
  });
});
