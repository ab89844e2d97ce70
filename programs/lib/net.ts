// Shared helpers for addresses, errors, exits and the server life cycle
// (readiness line, SIGTERM/SIGINT), used by every lab program.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';

/** Remove the IPv4-mapped prefix a dual-stack socket reports ("::ffff:10.0.0.5" -> "10.0.0.5"). */
export function stripMapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** "10.0.0.5:41234"; IPv6 in brackets ("[fd00::5]:41234"). */
export function fmtAddr(address: string | undefined, port: number | undefined): string {
  const a = stripMapped(address ?? '?');
  return `${net.isIPv6(a) ? `[${a}]` : a}:${port ?? '?'}`;
}

/** The peer of a connected TCP socket, formatted (works after close too if called once early). */
export function peerOf(socket: net.Socket): string {
  return fmtAddr(socket.remoteAddress, socket.remotePort);
}

export function localOf(socket: net.Socket): string {
  return fmtAddr(socket.localAddress, socket.localPort);
}

/** IANA port classes as taught in seed 000. */
export type PortClass = 'well-known' | 'registered' | 'dynamic/private';
export function portClass(port: number): PortClass {
  if (port <= 1023) return 'well-known';
  if (port <= 49151) return 'registered';
  return 'dynamic/private';
}

/** The short reason of a failure: the errno code (ECONNREFUSED) when there is one. */
export function reason(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.message === 'string' && e.message) return e.message;
  }
  return String(err);
}

/** A failure the program reports as one line on stderr, exiting with `exitCode`. */
export class Failure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Print one line to stderr and exit (default 1). */
export function die(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * Run an async main: a Failure prints its message and exits with its code, anything
 * else prints "<name>: <reason>" and exits 1. Success leaves process.exitCode alone
 * (0 unless main set it) and lets the event loop drain.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof Failure) die(err.message, err.exitCode);
    die(`${name}: ${reason(err)}`);
  });
}

/** Servers: print `stopped` and exit 0 on SIGTERM/SIGINT. */
export function exitOnStopSignals(): void {
  const stop = (): void => {
    process.stdout.write('stopped\n');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Family for a UDP socket that will bind to / send to `address`. */
export function udpType(address: string): dgram.SocketType {
  return net.isIPv6(address) ? 'udp6' : 'udp4';
}

/** Start a TCP server and print the readiness line; resolves with the bound port. */
export function listenTcp(server: net.Server, bind: string, port: number, quiet = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new Failure(`listen on ${fmtAddr(bind, port)} (tcp) failed: ${reason(err)}`));
    server.once('error', onError);
    server.listen({ host: bind, port }, () => {
      server.off('error', onError);
      const bound = (server.address() as net.AddressInfo).port;
      if (!quiet) console.log(`listening on ${fmtAddr(bind, bound)} (tcp)`);
      resolve(bound);
    });
  });
}

/** Bind a UDP socket and print the readiness line; resolves with the bound port. */
export function bindUdp(socket: dgram.Socket, bind: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new Failure(`bind ${fmtAddr(bind, port)} (udp) failed: ${reason(err)}`));
    socket.once('error', onError);
    socket.bind({ address: bind, port }, () => {
      socket.off('error', onError);
      const bound = socket.address().port;
      console.log(`listening on ${fmtAddr(bind, bound)} (udp)`);
      resolve(bound);
    });
  });
}

/**
 * Connect over TCP. Rejects with a Failure like
 * `connect to 10.0.0.10:60001 failed: ECONNREFUSED` or `... timed out after 10s`.
 */
export function connectTcp(host: string, port: number, timeoutSec: number, allowHalfOpen = false, localPort?: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const target = fmtAddr(host, port);
    // localPort: bind this end first, as Python's s.bind(('', port)) before s.connect().
    const socket = net.connect({ host, port, allowHalfOpen, ...(localPort ? { localPort } : {}) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Failure(`connect to ${target} timed out after ${timeoutSec}s`));
    }, timeoutSec * 1000);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Failure(`connect to ${target} failed: ${reason(err)}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * Read a TCP socket to its end (the peer's FIN), failing with `what` on error or when
 * nothing arrives for `idleSec` seconds.
 */
export function readToEnd(socket: net.Socket, what: string, idleSec: number, onData?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.setTimeout(idleSec * 1000, () => {
      socket.destroy();
      reject(new Failure(`${what} timed out after ${idleSec}s`));
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      onData?.(c);
    });
    socket.once('error', (err) => reject(new Failure(`${what} failed: ${reason(err)}`)));
    socket.once('end', () => {
      socket.setTimeout(0);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Escape control characters so a received message stays on one output line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** Resolve a host name to one address (numeric addresses come back unchanged). */
export async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await dnsLookup(host)).address;
  } catch (err) {
    throw new Failure(`resolve ${host} failed: ${reason(err)}`);
  }
}

export interface TcpServeOptions {
  bind: string;
  port: number;
  /** accept this many connections, then stop listening and exit once they are done; 0 = forever */
  count: number;
  allowHalfOpen?: boolean;
  /** called for each accepted connection, after `connection from IP:PORT` is printed */
  onConnection: (socket: net.Socket, peer: string) => void;
}

/**
 * The TCP accept loop of the lesson servers: prints the readiness line and
 * `connection from IP:PORT` for each peer. With a count, the listening socket is closed
 * after the last accepted connection and the process exits 0 when that one is done.
 */
export async function serveTcp(o: TcpServeOptions): Promise<net.Server> {
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: o.allowHalfOpen ?? false }, (socket) => {
    if (o.count > 0 && accepted >= o.count) {
      socket.destroy();
      return;
    }
    accepted += 1;
    if (o.count > 0 && accepted >= o.count) server.close();
    const peer = peerOf(socket);
    console.log(`connection from ${peer}`);
    o.onConnection(socket, peer);
  });
  await listenTcp(server, o.bind, o.port);
  server.on('error', (err) => die(`server on ${fmtAddr(o.bind, o.port)} failed: ${reason(err)}`));
  return server;
}

/**
 * Like Python's sock.recv(max): the first chunk that arrives (at most `max` bytes), or an
 * empty buffer when the peer closes first.
 */
export function readFirst(socket: net.Socket, max: number, what: string, idleSec: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (buf: Buffer): void => {
      socket.setTimeout(0);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
      resolve(buf);
    };
    const onData = (c: Buffer): void => done(c.subarray(0, max));
    const onEnd = (): void => done(Buffer.alloc(0));
    socket.setTimeout(idleSec * 1000, () => {
      socket.destroy();
      reject(new Failure(`${what} timed out after ${idleSec}s`));
    });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', (err) => reject(new Failure(`${what} failed: ${reason(err)}`)));
  });
}
