// proto-client: seed 002 (Pythonでソケットを使った独自プロトコルの実装方法), the client of the
// custom framed protocol (lib/protocol.ts) on port 12345. It sends HELLO, then
// ECHO_REQUEST with --message (and TIME_REQUEST with --time), printing each reply:
//   reply: HELLO "welcome 10.0.0.20:41822"
//   reply: ECHO_REPLY "hello"
// With --malformed version|type|length it sends one bad frame instead and prints the
// server's ERROR frame, exiting 3 so a scenario can expect it:
//   sent malformed frame: 09 02 00 00 00 05 + 5 payload bytes
//   server error: unsupported version 9
import type * as net from 'node:net';
import { hostFlag, messageFlag, parseCli, portFlag, timeoutFlag } from './lib/cli.js';
import { Failure, connectTcp, fmtAddr, reason, runMain } from './lib/net.js';
import { FrameDecoder, FrameType, encodeFrame, typeName, type Frame } from './lib/protocol.js';

const NAME = 'proto-client';
/** exit code when the server answered with an ERROR frame */
const EXIT_SERVER_ERROR = 3;

const flags = parseCli({
  name: NAME,
  summary: 'Seed 002 custom-protocol client: HELLO + ECHO_REQUEST (+ TIME_REQUEST), or one --malformed frame; exit 3 on a server ERROR frame.',
  options: {
    host: hostFlag(),
    port: portFlag(12345, 'server TCP port'),
    message: messageFlag('hello', 'ECHO_REQUEST payload'),
    time: { type: 'boolean', help: 'also send TIME_REQUEST' },
    malformed: {
      type: 'string',
      choices: ['version', 'type', 'length'],
      help: 'send one bad frame: version 9, type 0x42, or length 99999999',
      arg: 'what',
    },
    timeout: timeoutFlag(10, 'seconds to wait for the connection and for each reply'),
  },
});

/** Reads frames off a socket one at a time, for request/reply exchanges. */
class FrameReader {
  private readonly decoder = new FrameDecoder();
  private readonly ready: Frame[] = [];
  private problem: Failure | null = null;
  private wake: (() => void) | null = null;

  constructor(
    socket: net.Socket,
    private readonly server: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = this.decoder.push(chunk);
      this.ready.push(...frames);
      if (error) this.stop(new Failure(`bad frame from ${server}: ${error.message}`));
      this.wake?.();
    });
    socket.on('end', () => this.stop(new Failure(`connection closed by ${server} without a reply`)));
    socket.on('error', (err) => this.stop(new Failure(`connection to ${server} failed: ${reason(err)}`)));
  }

  private stop(f: Failure): void {
    this.problem ??= f;
    this.wake?.();
  }

  async next(timeoutSec: number): Promise<Frame> {
    const deadline = Date.now() + timeoutSec * 1000;
    for (;;) {
      const f = this.ready.shift();
      if (f) return f;
      if (this.problem) throw this.problem;
      const left = deadline - Date.now();
      if (left <= 0) throw new Failure(`no reply from ${this.server} within ${timeoutSec}s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}

function malformedFrame(what: 'version' | 'type' | 'length'): Buffer {
  switch (what) {
    case 'version':
      return encodeFrame(FrameType.ECHO_REQUEST, flags.message, { version: 9 });
    case 'type':
      return encodeFrame(0x42, flags.message);
    case 'length':
      return encodeFrame(FrameType.ECHO_REQUEST, '', { length: 99999999 });
  }
}

runMain(NAME, async () => {
  const server = fmtAddr(flags.host, flags.port);
  const socket = await connectTcp(flags.host, flags.port, flags.timeout);
  const reader = new FrameReader(socket, server);

  /** Print a reply; an ERROR frame ends the program with exit code 3. */
  const expect = (f: Frame, want: number): void => {
    if (f.type === FrameType.ERROR) {
      console.log(`server error: ${f.text}`);
      socket.end();
      process.exit(EXIT_SERVER_ERROR);
    }
    if (f.type !== want) throw new Failure(`expected ${typeName(want)} from ${server}, got ${typeName(f.type)}`);
    console.log(`reply: ${typeName(f.type)} ${JSON.stringify(f.text)}`);
  };

  if (flags.malformed) {
    const frame = malformedFrame(flags.malformed);
    socket.write(frame);
    const header = [...frame.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    console.log(`sent malformed frame: ${header} + ${frame.length - 6} payload bytes`);
    const reply = await reader.next(flags.timeout);
    if (reply.type !== FrameType.ERROR) {
      throw new Failure(`${server} accepted a malformed frame (replied ${typeName(reply.type)})`);
    }
    expect(reply, FrameType.ERROR); // prints `server error: <reason>`, exits 3
  }

  const exchanges: [number, string, number][] = [
    [FrameType.HELLO, NAME, FrameType.HELLO],
    [FrameType.ECHO_REQUEST, flags.message, FrameType.ECHO_REPLY],
  ];
  if (flags.time) exchanges.push([FrameType.TIME_REQUEST, '', FrameType.TIME_REPLY]);
  for (const [type, payload, want] of exchanges) {
    socket.write(encodeFrame(type, payload));
    expect(await reader.next(flags.timeout), want);
  }
  socket.end();
});
