// proto-server: seed 002 (Pythonでソケットを使った独自プロトコルの実装方法), the custom
// protocol lesson. The seed's server (port 12345) only does recv(1024).decode(); this one
// implements the framed protocol of lib/protocol.ts with the seed's design points:
// a data format (6-byte header + UTF-8 payload) and error handling (an ERROR frame with a
// precise reason, then the connection is closed). Serves many connections at once.
//   listening on 0.0.0.0:12345 (tcp)
//   connection from 10.0.0.20:41822
//   frame from 10.0.0.20:41822: v1 ECHO_REQUEST 5 bytes "hello"
//   protocol error from 10.0.0.20:41822: unsupported version 9
import type * as net from 'node:net';
import { bindFlag, countFlag, parseCli, portFlag } from './lib/cli.js';
import { exitOnStopSignals, runMain, serveTcp } from './lib/net.js';
import { FrameDecoder, FrameType, describeFrame, encodeFrame, typeName, type Frame } from './lib/protocol.js';

const NAME = 'proto-server';
/** after an ERROR frame, how long the peer may take to close before we reset */
const LINGER_MS = 2000;

const flags = parseCli({
  name: NAME,
  summary: 'Seed 002 custom-protocol server: answer HELLO, ECHO_REQUEST and TIME_REQUEST frames; reply ERROR with the reason and close on a bad frame.',
  options: {
    bind: bindFlag(),
    port: portFlag(12345, 'TCP port to listen on'),
    count: countFlag(0, 'connections to serve before exiting (0 = run until stopped)'),
  },
});

/** The reply to a valid frame, or the reason it is not acceptable from a client. */
function answer(f: Frame, peer: string): Buffer | string {
  switch (f.type) {
    case FrameType.HELLO:
      return encodeFrame(FrameType.HELLO, `welcome ${peer}`);
    case FrameType.ECHO_REQUEST:
      return encodeFrame(FrameType.ECHO_REPLY, f.payload);
    case FrameType.TIME_REQUEST:
      return encodeFrame(FrameType.TIME_REPLY, new Date().toISOString());
    default:
      return `unexpected type ${typeName(f.type)} from a client`;
  }
}

function serve(socket: net.Socket, peer: string): void {
  const decoder = new FrameDecoder();
  let failed = false;

  const protocolError = (reason: string): void => {
    failed = true;
    console.log(`protocol error from ${peer}: ${reason}`);
    // Send the reason, half-close, and keep reading (discarding) until the client closes:
    // closing with unread data would make the kernel send RST, which can destroy the
    // ERROR frame before the client reads it.
    socket.end(encodeFrame(FrameType.ERROR, reason));
    socket.setTimeout(LINGER_MS, () => socket.destroy());
  };

  socket.on('data', (chunk: Buffer) => {
    if (failed) return;
    const { frames, error } = decoder.push(chunk);
    for (const f of frames) {
      console.log(`frame from ${peer}: ${describeFrame(f)}`);
      const reply = answer(f, peer);
      if (typeof reply === 'string') return protocolError(reply);
      socket.write(reply);
    }
    if (error) protocolError(error.message);
  });
  socket.on('end', () => {
    if (failed) return void socket.destroy();
    const error = decoder.end();
    if (error) protocolError(error.message);
    else socket.end();
  });
  socket.on('error', () => socket.destroy()); // a client that resets is not the server's failure
}

exitOnStopSignals();
runMain(NAME, async () => {
  await serveTcp({ bind: flags.bind, port: flags.port, count: flags.count, allowHalfOpen: true, onConnection: serve });
});
