// UDP building blocks shared by the UDP lessons: a receiver that prints each datagram
// (seed 000 udp_server.py, seed 004 server_udp.py), a fire-and-forget sender (seed 000
// udp_client.py, seed 004 client_udp.py) and a request/reply helper (seeds 001, 003).
import * as dgram from 'node:dgram';
import { bindFlag, countFlag, hostFlag, messageFlag, parseCli, portFlag } from './cli.js';
import { Failure, bindUdp, die, exitOnStopSignals, fmtAddr, oneLine, reason, resolveHost, runMain, udpType } from './net.js';

export function bufsizeFlag(def: number) {
  return {
    type: 'number',
    integer: true,
    min: 1,
    max: 65535,
    default: def,
    help: 'receive buffer size like recvfrom(bufsize): longer datagrams are cut to it',
    arg: 'bytes',
  } as const;
}

/** What a server prints for one datagram: `datagram from IP:PORT: text`. */
export function datagramLine(data: Buffer, from: dgram.RemoteInfo, bufsize: number): string {
  const kept = data.subarray(0, bufsize);
  const cut = data.length > bufsize ? ` [truncated: ${data.length} bytes sent, bufsize ${bufsize}]` : '';
  return `datagram from ${fmtAddr(from.address, from.port)}: ${oneLine(kept.toString('utf8'))}${cut}`;
}

/** The flags every UDP server takes: --bind, --port, --count, --bufsize. */
function udpServerOptions(d: { port: number; count: number; bufsize: number }, verb: string) {
  return {
    bind: bindFlag(),
    port: portFlag(d.port, 'UDP port to receive on'),
    count: countFlag(d.count, `datagrams to ${verb} before exiting (0 = run until stopped)`),
    bufsize: bufsizeFlag(d.bufsize),
  };
}

export interface ReceiverDefaults {
  name: string;
  summary: string;
  port: number;
  count: number;
  bufsize: number;
}

/** A UDP server that prints `--count` datagrams (0 = forever) and exits 0. */
export function runUdpReceiver(d: ReceiverDefaults): void {
  const flags = parseCli({
    name: d.name,
    summary: d.summary,
    options: {
      ...udpServerOptions(d, 'receive'),
      idle: {
        type: 'number',
        min: 0,
        default: 0,
        help: 'once datagrams have come, exit when none has come for this many seconds, printing how many came (0 = never)',
        arg: 'seconds',
      },
    },
  });
  exitOnStopSignals();
  runMain(d.name, async () => {
    const socket = dgram.createSocket(udpType(flags.bind));
    let received = 0;
    // --idle: UDP never says that the sender is done, so silence has to (tcp-vs-udp-loss).
    let idleTimer: NodeJS.Timeout | undefined;
    const quietFor = () => {
      console.log(`received ${received} datagram(s); none for ${flags.idle}s`);
      socket.close();
    };
    socket.on('message', (msg, rinfo) => {
      if (flags.count > 0 && received >= flags.count) return;
      received += 1;
      console.log(datagramLine(msg, rinfo, flags.bufsize));
      if (flags.count > 0 && received >= flags.count) {
        clearTimeout(idleTimer);
        socket.close();
      } else if (flags.idle > 0) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(quietFor, flags.idle * 1000);
      }
    });
    const port = await bindUdp(socket, flags.bind, flags.port);
    socket.on('error', (err) => die(`receive on ${fmtAddr(flags.bind, port)} (udp) failed: ${reason(err)}`));
  });
}

export interface SenderDefaults {
  name: string;
  summary: string;
  port: number;
  message: string;
  count: number;
}

/** Send one datagram and wait until the kernel has taken it. */
export function sendDatagram(socket: dgram.Socket, data: Buffer, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, port, address, (err) => {
      if (err) reject(new Failure(`send to ${fmtAddr(address, port)} failed: ${reason(err)}`));
      else resolve();
    });
  });
}

/** send() on a connected socket: the address was given to connect(). */
function sendConnected(socket: dgram.Socket, data: Buffer, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, (err) => {
      if (err) reject(new Failure(`send to ${fmtAddr(address, port)} failed: ${reason(err)}`));
      else resolve();
    });
  });
}

/**
 * A UDP client that sends `--message` `--count` times and exits 0 without waiting for
 * anything: sendto() succeeds whether or not a server is listening (seed 004's point).
 */
export function runUdpSender(d: SenderDefaults): void {
  const flags = parseCli({
    name: d.name,
    summary: d.summary,
    options: {
      host: hostFlag(),
      port: portFlag(d.port, 'server UDP port'),
      message: messageFlag(d.message),
      count: countFlag(d.count, 'how many datagrams to send', 1),
      interval: { type: 'number', min: 0, default: 0, help: 'milliseconds between datagrams', arg: 'ms' },
    },
  });
  runMain(d.name, async () => {
    const address = await resolveHost(flags.host);
    const socket = dgram.createSocket(udpType(address));
    const data = Buffer.from(flags.message, 'utf8');
    try {
      for (let i = 0; i < flags.count; i++) {
        if (i > 0 && flags.interval > 0) await new Promise((r) => setTimeout(r, flags.interval));
        await sendDatagram(socket, data, address, flags.port);
        console.log(`sent ${data.length} bytes to ${fmtAddr(address, flags.port)}`);
      }
    } finally {
      socket.close();
    }
  });
}

/**
 * Send one datagram and wait for the first reply (seeds 001 and 003 clients). Fails
 * with `no reply from IP:PORT within Ns` when nothing comes back in time.
 */
export async function udpRequest(
  host: string,
  port: number,
  data: Buffer,
  timeoutSec: number,
  bufsize: number,
  options: { connected?: boolean } = {},
): Promise<{ reply: Buffer; from: dgram.RemoteInfo }> {
  const address = await resolveHost(host);
  const socket = dgram.createSocket(udpType(address));
  // A connected UDP socket (connect() before send()) is told by its kernel when an ICMP
  // error comes back (port unreachable: ECONNREFUSED); an unconnected one never is.
  if (options.connected) {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => (socket.off('error', reject), resolve()));
    }).catch((err: unknown) => {
      socket.close();
      throw new Failure(`connect to ${fmtAddr(address, port)} (udp) failed: ${reason(err)}`);
    });
  }
  try {
    const replied = new Promise<{ reply: Buffer; from: dgram.RemoteInfo }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Failure(`no reply from ${fmtAddr(address, port)} within ${timeoutSec}s`)), timeoutSec * 1000);
      socket.once('message', (msg, rinfo) => {
        clearTimeout(timer);
        resolve({ reply: msg.subarray(0, bufsize), from: rinfo });
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Failure(`receive from ${fmtAddr(address, port)} failed: ${reason(err)}`));
      });
    });
    if (options.connected) await sendConnected(socket, data, address, port);
    else await sendDatagram(socket, data, address, port);
    return await replied;
  } finally {
    socket.close();
  }
}

export interface ResponderDefaults {
  name: string;
  summary: string;
  port: number;
  count: number;
  bufsize: number;
  /** The reply to the n-th datagram (n counts from 1); `data` is already cut to bufsize. */
  reply: (data: Buffer, n: number) => Buffer;
  /** The line printed once the reply has been sent. */
  sentLine: (reply: Buffer, to: string) => string;
}

/**
 * A UDP server that answers every datagram with sendto() back to its sender (seed 001's
 * counter, seed 003's echo). `--count` replies then exit 0; 0 = run until stopped.
 */
export function runUdpResponder(d: ResponderDefaults): void {
  const flags = parseCli({ name: d.name, summary: d.summary, options: udpServerOptions(d, 'answer') });
  exitOnStopSignals();
  runMain(d.name, async () => {
    const socket = dgram.createSocket(udpType(flags.bind));
    let received = 0;
    let answered = 0;
    socket.on('message', (msg, rinfo) => {
      if (flags.count > 0 && received >= flags.count) return;
      received += 1;
      console.log(datagramLine(msg, rinfo, flags.bufsize));
      const reply = d.reply(msg.subarray(0, flags.bufsize), received);
      const to = fmtAddr(rinfo.address, rinfo.port);
      socket.send(reply, rinfo.port, rinfo.address, (err) => {
        if (err) die(`send to ${to} failed: ${reason(err)}`);
        console.log(d.sentLine(reply, to));
        answered += 1;
        if (flags.count > 0 && answered >= flags.count) socket.close();
      });
    });
    const port = await bindUdp(socket, flags.bind, flags.port);
    socket.on('error', (err) => die(`receive on ${fmtAddr(flags.bind, port)} (udp) failed: ${reason(err)}`));
  });
}
