// Tests of the lab programs as they run in the containers: each program is bundled with
// esbuild exactly as the lab does (one CommonJS file, platform node, target node18),
// then server/client pairs run as child processes on 127.0.0.1 and their printed lines
// are checked. Node servers take --port 0 and report the port the kernel picked in
// their `listening` line; the seeds' Python programs use their fixed ports and run one
// after another at the end. The pure helpers (pyRepr, the frame codec, line framing,
// port classes, flag parsing) are unit-tested directly.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAMS_DIR, PYTHON_PROGRAMS, bundlePrograms, type ProgramName } from './build.js';
import { UsageError, helpText, parseFlags, portFlag } from './lib/cli.js';
import { LineSplitter } from './lib/lines.js';
import { fmtAddr, oneLine, portClass, stripMapped } from './lib/net.js';
import { FrameDecoder, FrameType, MAX_PAYLOAD, describeFrame, encodeFrame, type Frame } from './lib/protocol.js';
import { pyAddrTuple, pyRepr } from './lib/pyrepr.js';
import { HashCounter, generatedStream } from './lib/stream.js';

const LO = '127.0.0.1';
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

let work: string;
let bin: Record<ProgramName, string>;
const running = new Set<Proc>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'socklab-programs-'));
  bin = await bundlePrograms(path.join(work, 'bin'));
}, 60_000);

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** A running child process whose stdout lines can be awaited. */
class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private listeners: (() => void)[] = [];
  private done = false;

  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
  ) {
    this.child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: work,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    running.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (t: string) => (this.stderr += t));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.done = true;
        running.delete(this);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, lines: this.lines });
      });
    });
  }

  get lines(): string[] {
    return this.stdout.split('\n').filter((l) => l !== '');
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private describe(): string {
    return `${this.label}\n--- stdout\n${this.stdout}--- stderr\n${this.stderr}`;
  }

  /** Wait until `n` stdout lines match `re`; resolves with the matches. */
  waitFor(re: RegExp, n = 1, timeoutMs = 8000): Promise<RegExpMatchArray[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hits = this.lines.map((l) => l.match(re)).filter((m): m is RegExpMatchArray => m !== null);
        if (hits.length >= n) {
          finish();
          resolve(hits.slice(0, n));
          return true;
        }
        if (this.done) {
          finish();
          reject(new Error(`exited before printing ${n} x ${re}: ${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${n} x ${re}: ${this.describe()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      const listener = (): void => void check();
      if (!check()) this.listeners.push(listener);
    });
  }

  /** The port from the server's readiness line. */
  async port(): Promise<number> {
    const [m] = await this.waitFor(/^listening on .*:(\d+) \((?:tcp|udp)\)/);
    return Number(m![1]);
  }

  async exit(timeoutMs = 8000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms: ${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return this.exit();
  }
}

function node(name: ProgramName, ...args: string[]): Proc {
  return new Proc(`${name} ${args.join(' ')}`, process.execPath, [bin[name], ...args]);
}

function run(name: ProgramName, ...args: string[]): Promise<Exit> {
  return node(name, ...args).exit();
}

/** A server on 127.0.0.1 with a kernel-chosen port. */
async function server(name: ProgramName, ...args: string[]): Promise<[Proc, number]> {
  const p = node(name, '--bind', LO, '--port', '0', ...args);
  return [p, await p.port()];
}

/** A TCP port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, LO, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A free TCP port in [from, to], or null. */
async function freePortIn(from: number, to: number): Promise<number | null> {
  const start = from + Math.floor(Math.random() * (to - from + 1));
  for (let i = 0; i <= to - from; i++) {
    const port = from + ((start - from + i) % (to - from + 1));
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, LO, () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  return null;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

// ------------------------------------------------------------------ pure helpers

describe('lib helpers', () => {
  it('pyRepr matches Python bytes repr', () => {
    const cases: [Uint8Array, string][] = [
      [Buffer.from('Hello TCP'), "b'Hello TCP'"],
      [Buffer.from(''), "b''"],
      [Buffer.from("it's"), `b"it's"`],
      [Buffer.from('say "hi"'), `b'say "hi"'`],
      [Buffer.from(`it's "x"`), `b'it\\'s "x"'`],
      [Buffer.from('a\nb\tc\rd\\e'), "b'a\\nb\\tc\\rd\\\\e'"],
      [Uint8Array.from([0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff]), "b'\\x00\\x01\\x1f\\x7f\\x80\\xff'"],
      [Buffer.from('é'), "b'\\xc3\\xa9'"],
    ];
    for (const [data, want] of cases) expect(pyRepr(data)).toBe(want);
    if (HAS_PYTHON) {
      // and agrees with CPython itself on every byte value and the quote rules
      const samples = [...cases.map(([d]) => d), Uint8Array.from({ length: 256 }, (_, i) => i), Buffer.from(`'"'`)];
      const hex = samples.map((s) => Buffer.from(s).toString('hex')).join(' ');
      const py = spawnSync('python3', ['-c', 'import sys\nfor h in sys.argv[1:]: print(repr(bytes.fromhex(h)))', ...hex.split(' ')], {
        encoding: 'utf8',
      });
      expect(py.stdout.trimEnd().split('\n')).toEqual(samples.map((s) => pyRepr(s)));
    }
  });

  it('formats addresses and port classes', () => {
    expect(pyAddrTuple('::ffff:10.0.0.5', 7001)).toBe("('10.0.0.5', 7001)");
    expect(stripMapped('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(fmtAddr('::ffff:127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(fmtAddr('fd00::5', 80)).toBe('[fd00::5]:80');
    expect([0, 80, 1023, 1024, 8080, 49151, 49152, 60999, 65535].map(portClass)).toEqual([
      'well-known',
      'well-known',
      'well-known',
      'registered',
      'registered',
      'registered',
      'dynamic/private',
      'dynamic/private',
      'dynamic/private',
    ]);
    expect(oneLine('a\nb\x01')).toBe('a\\nb\\x01');
  });

  it('parses typed flags and rejects bad ones', () => {
    const spec = (argv: string[]) =>
      parseFlags({
        name: 't',
        summary: 's',
        argv,
        options: {
          port: portFlag(60001),
          line: { type: 'string', multiple: true, help: 'l' },
          mode: { type: 'string', choices: ['a', 'b'], help: 'm' },
          quiet: { type: 'boolean', help: 'q' },
        },
      });
    const ok = spec(['--port', '7001', '--line', 'x', '--line=y', '--quiet']);
    expect(ok).toEqual({ help: false, values: { port: 7001, line: ['x', 'y'], mode: undefined, quiet: true } });
    expect(spec([])).toEqual({ help: false, values: { port: 60001, line: [], mode: undefined, quiet: false } });
    expect(spec(['-h'])).toEqual({ help: true });
    expect(() => spec(['--port', '70000'])).toThrow(new UsageError('--port must be an integer from 0 to 65535 (got "70000")'));
    expect(() => spec(['--port', '1.5'])).toThrow(/must be an integer/);
    expect(() => spec(['--nope'])).toThrow(new UsageError('unknown flag --nope'));
    expect(() => spec(['--mode', 'c'])).toThrow(new UsageError('--mode must be one of a, b (got "c")'));
    expect(() => spec(['stray'])).toThrow(/unexpected argument "stray"/);
    expect(() => spec(['--port'])).toThrow(new UsageError('--port needs a value'));
    expect(helpText({ name: 't', summary: 's', options: { port: portFlag(60001) } })).toContain('--port <port>');
  });

  it('LineSplitter reassembles lines across chunks', () => {
    const s = new LineSplitter();
    expect(s.push('he')).toEqual([]);
    expect(s.push('llo\r\nwor')).toEqual(['hello']);
    expect(s.push('ld\n\nlast')).toEqual(['world', '']);
    expect(s.flush()).toBe('last');
    expect(s.flush()).toBeNull();
  });

  it('generatedStream is deterministic and hashes through HashCounter', async () => {
    const hashOf = async (n: number, seed: number): Promise<[number, string]> => {
      const h = new HashCounter();
      for await (const _ of generatedStream(n, seed).pipe(h)) void _;
      return [h.bytes, h.hex()];
    };
    const a = await hashOf(100_003, 1);
    expect(a[0]).toBe(100_003);
    expect(await hashOf(100_003, 1)).toEqual(a);
    expect((await hashOf(100_003, 2))[1]).not.toBe(a[1]);
  });
});

describe('frame codec (lib/protocol)', () => {
  const frames = [
    encodeFrame(FrameType.HELLO, 'proto-client'),
    encodeFrame(FrameType.ECHO_REQUEST, 'hello'),
    encodeFrame(FrameType.TIME_REQUEST),
    encodeFrame(FrameType.ECHO_REQUEST, 'ünïcødé ✓'),
  ];
  const stream = Buffer.concat(frames);

  it('encodes the documented header', () => {
    expect([...encodeFrame(FrameType.ECHO_REQUEST, 'hello')]).toEqual([1, 2, 0, 0, 0, 5, ...Buffer.from('hello')]);
    expect(() => encodeFrame(FrameType.ECHO_REQUEST, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(RangeError);
    expect(encodeFrame(FrameType.ECHO_REQUEST, Buffer.alloc(MAX_PAYLOAD)).length).toBe(MAX_PAYLOAD + 6);
  });

  it('decodes merged frames and frames split at every byte position', () => {
    const texts = (fs: Frame[]): string[] => fs.map((f) => describeFrame(f));
    const whole = new FrameDecoder().push(stream);
    expect(whole.error).toBeNull();
    expect(texts(whole.frames)).toEqual([
      'v1 HELLO 12 bytes "proto-client"',
      'v1 ECHO_REQUEST 5 bytes "hello"',
      'v1 TIME_REQUEST 0 bytes ""',
      'v1 ECHO_REQUEST 15 bytes "ünïcødé ✓"',
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)).frames, ...d.push(stream.subarray(cut)).frames];
      expect(texts(got)).toEqual(texts(whole.frames));
      expect(d.end()).toBeNull();
    }
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (const b of stream) got.push(...d.push(Uint8Array.of(b)).frames);
    expect(texts(got)).toEqual(texts(whole.frames));
  });

  it('reports bad headers as soon as the header is in', () => {
    const reason = (bytes: Buffer): string | undefined => new FrameDecoder().push(bytes).error?.message;
    expect(reason(encodeFrame(2, 'x', { version: 9 }))).toBe('unsupported version 9');
    expect(reason(encodeFrame(0x42, 'x'))).toBe('unknown type 0x42');
    expect(reason(encodeFrame(2, '', { length: 99999999 }))).toBe('payload length 99999999 exceeds 65536');
    expect(reason(Buffer.concat([encodeFrame(2, 'ok'), Buffer.from([1, 2, 0xff, 0xfe])]))).toBeUndefined();
    expect(reason(encodeFrame(2, Buffer.from([0xc3, 0x28])))).toBe('ECHO_REQUEST payload is not valid UTF-8');
    // frames before the bad one are still delivered; the decoder then stays failed
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([encodeFrame(1, 'a'), encodeFrame(0x42, 'b'), encodeFrame(1, 'c')]));
    expect(r.frames.map((f) => f.text)).toEqual(['a']);
    expect(r.error?.message).toBe('unknown type 0x42');
    expect(d.push(encodeFrame(1, 'd'))).toEqual({ frames: [], error: r.error });
  });

  it('reports a stream that ends inside a frame', () => {
    const d1 = new FrameDecoder();
    d1.push(Buffer.from([1, 2, 0]));
    expect(d1.end()?.message).toBe('stream ended inside a frame header (3 of 6 bytes)');
    const d2 = new FrameDecoder();
    d2.push(encodeFrame(2, 'hello').subarray(0, 8));
    expect(d2.end()?.message).toBe('stream ended inside a frame payload (2 of 5 bytes)');
  });
});

// ------------------------------------------------------------------ Node programs

describe.concurrent('lab programs (bundled, on 127.0.0.1)', { timeout: 20_000 }, () => {
  it('tcp-hello: server greets --count clients, prints each peer, then exits', async ({ expect }) => {
    const [srv, port] = await server('tcp-hello-server', '--count', '3');
    const locals: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await run('tcp-hello-client', '--host', LO, '--port', String(port));
      expect(c.code, c.stderr).toBe(0);
      expect(c.lines[0]).toBe('Hello World!');
      const m = c.lines[1]?.match(/^local address (127\.0\.0\.1:\d+)$/);
      expect(m, c.stdout).not.toBeNull();
      locals.push(m![1]!);
      expect(c.lines).toHaveLength(2);
    }
    const s = await srv.exit();
    expect(s.code).toBe(0);
    expect(s.lines).toEqual([`listening on 127.0.0.1:${port} (tcp)`, ...locals.map((l) => `connection from ${l}`)]);
    // TCP is connection-oriented: with the server gone, connect fails
    const late = await run('tcp-hello-client', '--port', String(port));
    expect(late.code).toBe(1);
    expect(late.stderr.trim()).toBe(`connect to 127.0.0.1:${port} failed: ECONNREFUSED`);
  });

  it('udp-hello: one datagram, printed with its sender; --bufsize cuts like recvfrom', async ({ expect }) => {
    const [srv, port] = await server('udp-hello-server');
    const c = await run('udp-hello-client', '--port', String(port));
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual([`sent 9 bytes to 127.0.0.1:${port}`]);
    const s = await srv.exit();
    expect(s.code).toBe(0);
    expect(s.lines[0]).toBe(`listening on 127.0.0.1:${port} (udp)`);
    expect(s.lines[1]).toMatch(/^datagram from 127\.0\.0\.1:\d+: Hello UDP$/);
    expect(s.lines).toHaveLength(2);

    const [srv2, port2] = await server('udp-hello-server', '--count', '3', '--bufsize', '5');
    const c2 = await run('udp-hello-client', '--port', String(port2), '--count', '3', '--message', 'Hello\nUDP');
    expect(c2.lines).toEqual(Array(3).fill(`sent 9 bytes to 127.0.0.1:${port2}`));
    const s2 = await srv2.exit();
    expect(s2.code).toBe(0);
    expect(s2.lines.slice(1)).toEqual(Array(3).fill(expect.stringMatching(/^datagram from 127\.0\.0\.1:\d+: Hello \[truncated: 9 bytes sent, bufsize 5\]$/)));
  });

  it('tcp-echo: echoes every client, prints repr of what it got, stops on SIGTERM', async ({ expect }) => {
    const [srv, port] = await server('tcp-echo-server');
    const c = await run('tcp-echo-client', '--port', String(port));
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual(["Received b'Hello TCP'"]);
    const quoted = await run('tcp-echo-client', '--port', String(port), '--message', "it's\tok");
    expect(quoted.lines).toEqual([`Received b"it's\\tok"`]);
    // a reply larger than any socket buffer: the echo must come back whole
    const big = 'x'.repeat(100_000);
    const large = await run('tcp-echo-client', '--port', String(port), '--message', big);
    expect(large.code, large.stderr).toBe(0);
    expect(large.lines).toEqual([`Received b'${big}'`]);
    await srv.waitFor(/^received from 127\.0\.0\.1:\d+: b"it's\\tok"$/);
    expect(srv.lines).toContainEqual(expect.stringMatching(/^received from 127\.0\.0\.1:\d+: b'Hello TCP'$/));
    expect(srv.lines.filter((l) => l.startsWith('connection from 127.0.0.1:'))).toHaveLength(3);
    const s = await srv.stop();
    expect(s.code).toBe(0);
    expect(s.lines.at(-1)).toBe('stopped');

    const [one, port1] = await server('tcp-echo-server', '--count', '1');
    expect((await run('tcp-echo-client', '--port', String(port1), '--message', 'once')).lines).toEqual(["Received b'once'"]);
    expect((await one.exit()).code).toBe(0);
  });

  it('udp-counter: replies "Server accessed.(n)" counting from 1; client times out cleanly', async ({ expect }) => {
    const [srv, port] = await server('udp-counter-server');
    for (let n = 1; n <= 3; n++) {
      const c = await run('udp-counter-client', '--port', String(port));
      expect(c.code, c.stderr).toBe(0);
      expect(c.lines).toEqual([`received: Server accessed.(${n})`]);
    }
    await srv.waitFor(/^sent: Server accessed\.\(3\) to 127\.0\.0\.1:\d+$/);
    expect(srv.lines.filter((l) => /^datagram from 127\.0\.0\.1:\d+: Hello\.$/.test(l))).toHaveLength(3);
    expect((await srv.stop()).code).toBe(0);

    const silent = await closedPort();
    const t0 = Date.now();
    const c = await run('udp-counter-client', '--port', String(silent), '--timeout', '0.5');
    expect(c.code).toBe(1);
    expect(c.stderr.trim()).toBe(`no reply from 127.0.0.1:${silent} within 0.5s`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });

  it("tcp-exchange: one exchange of greetings, like seed 003's TCP pair", async ({ expect }) => {
    const [srv, port] = await server('tcp-exchange-server');
    const c = await run('tcp-exchange-client', '--port', String(port));
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual(['Connection Success..', "Client : Data Received : Hello, i'm server!"]);
    const s = await srv.exit();
    expect(s.code).toBe(0);
    expect(s.lines).toEqual([
      `listening on 127.0.0.1:${port} (tcp)`,
      expect.stringMatching(/^connection from 127\.0\.0\.1:\d+$/),
      "Server : Data Received : Hello, i'm client!",
    ]);
  });

  it("udp-echo: echo printed like Python's print(data.decode(), addr)", async ({ expect }) => {
    const [srv, port] = await server('udp-echo-server');
    const c = await run('udp-echo-client', '--port', String(port));
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual([`Hello! ('127.0.0.1', ${port})`]);
    const s = await srv.exit();
    expect(s.code).toBe(0);
    expect(s.lines.slice(1)).toEqual([
      expect.stringMatching(/^datagram from 127\.0\.0\.1:\d+: Hello!$/),
      expect.stringMatching(/^echoed 6 bytes to 127\.0\.0\.1:\d+$/),
    ]);
  });

  it('udp-five: five datagrams then exit; the client succeeds even with no server', async ({ expect }) => {
    const [srv, port] = await server('udp-five-server');
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => run('udp-five-client', '--port', String(port))));
    for (const c of clients) expect(c.lines).toEqual([`sent 13 bytes to 127.0.0.1:${port}`]);
    const s = await srv.exit();
    expect(s.code).toBe(0);
    expect(s.lines.slice(1)).toEqual(Array(5).fill(expect.stringMatching(/^datagram from 127\.0\.0\.1:\d+: Hello Server!$/)));
    // seed 004's point: nobody listens any more, and sendto() still succeeds
    const c = await run('udp-five-client', '--port', String(port));
    expect(c.code).toBe(0);
    expect(c.lines).toEqual([`sent 13 bytes to 127.0.0.1:${port}`]);
  });

  it('proto: HELLO/ECHO/TIME replies and a precise ERROR for each malformed frame (exit 3)', async ({ expect }) => {
    const [srv, port] = await server('proto-server');
    const ok = await run('proto-client', '--port', String(port), '--message', 'hello', '--time');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.lines).toEqual([
      expect.stringMatching(/^reply: HELLO "welcome 127\.0\.0\.1:\d+"$/),
      'reply: ECHO_REPLY "hello"',
      expect.stringMatching(/^reply: TIME_REPLY "\d{4}-\d\d-\d\dT[\d:.]+Z"$/),
    ]);
    await srv.waitFor(/^frame from 127\.0\.0\.1:\d+: v1 ECHO_REQUEST 5 bytes "hello"$/);
    expect(srv.lines).toContainEqual(expect.stringMatching(/^frame from 127\.0\.0\.1:\d+: v1 HELLO 12 bytes "proto-client"$/));

    const cases: [string, string][] = [
      ['version', 'unsupported version 9'],
      ['type', 'unknown type 0x42'],
      ['length', 'payload length 99999999 exceeds 65536'],
    ];
    for (const [what, why] of cases) {
      const bad = await run('proto-client', '--port', String(port), '--malformed', what);
      expect(bad.code, `${what}: ${bad.stderr}`).toBe(3);
      expect(bad.lines.at(-1)).toBe(`server error: ${why}`);
      await srv.waitFor(new RegExp(`^protocol error from 127\\.0\\.0\\.1:\\d+: ${why}$`));
    }
    const refused = await run('proto-client', '--port', String(await closedPort()));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^connect to 127\.0\.0\.1:\d+ failed: ECONNREFUSED$/m);
    expect((await srv.stop()).code).toBe(0);
  });

  it('proto-server: handles frames merged in one write and split byte by byte', async ({ expect }) => {
    const [srv, port] = await server('proto-server');
    const sock = net.connect(port, LO);
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('connect', r));
    const peer = `${sock.localAddress}:${sock.localPort}`;
    const decoder = new FrameDecoder();
    const replies: Frame[] = [];
    let wake = (): void => undefined;
    sock.on('data', (c: Buffer) => {
      const r = decoder.push(c);
      expect(r.error).toBeNull();
      replies.push(...r.frames);
      wake();
    });
    const got = (n: number): Promise<void> =>
      new Promise((resolve) => {
        wake = () => {
          if (replies.length >= n) resolve();
        };
        wake();
      });
    const first = got(3);
    sock.write(Buffer.concat([encodeFrame(FrameType.HELLO, 'raw'), encodeFrame(FrameType.ECHO_REQUEST, 'merged')]));
    for (const b of encodeFrame(FrameType.ECHO_REQUEST, 'split')) {
      sock.write(Uint8Array.of(b));
      await new Promise((r) => setTimeout(r, 3));
    }
    await first;
    expect(replies.map((f) => [f.type, f.text])).toEqual([
      [FrameType.HELLO, `welcome ${peer}`],
      [FrameType.ECHO_REPLY, 'merged'],
      [FrameType.ECHO_REPLY, 'split'],
    ]);
    // an oversize frame whose payload really follows: the ERROR frame must still arrive
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(encodeFrame(FrameType.ECHO_REQUEST, Buffer.alloc(70_000, 0x61), { length: 70_000 }));
    await got(4);
    expect(replies[3]).toMatchObject({ type: FrameType.ERROR, text: 'payload length 70000 exceeds 65536' });
    sock.end();
    await closed;
    await srv.waitFor(new RegExp(`^protocol error from ${peer}: payload length 70000 exceeds 65536$`));
    expect(srv.lines.filter((l) => l.startsWith(`frame from ${peer}: `))).toEqual([
      `frame from ${peer}: v1 HELLO 3 bytes "raw"`,
      `frame from ${peer}: v1 ECHO_REQUEST 6 bytes "merged"`,
      `frame from ${peer}: v1 ECHO_REQUEST 5 bytes "split"`,
    ]);
    expect((await srv.stop()).code).toBe(0);
  }, 15_000);

  it('chat: each line goes to the two other clients, never back to its sender', async ({ expect }) => {
    const [srv, port] = await server('chat-server');
    const names = ['a', 'b', 'c'];
    const clients = names.map((n) =>
      node(
        'chat-client',
        '--port',
        String(port),
        '--delay',
        '1500',
        '--interval',
        '200',
        '--linger',
        '1200',
        '--line',
        `hi from ${n}`,
        '--line',
        `bye from ${n}`,
      ),
    );
    const results = await Promise.all(clients.map((c) => c.exit(15_000)));
    const addr: Record<string, string> = {};
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      const m = r.lines[0]?.match(/^connected as (127\.0\.0\.1:\d+)$/);
      expect(m, r.stdout).not.toBeNull();
      addr[names[i]!] = m![1]!;
    });
    results.forEach((r, i) => {
      const me = names[i]!;
      const expected = names.filter((n) => n !== me).flatMap((n) => [`got: [${addr[n]}] hi from ${n}`, `got: [${addr[n]}] bye from ${n}`]);
      expect(r.lines.slice(1).sort()).toEqual(expected.sort());
    });
    await srv.waitFor(/^leave /, 3);
    const s = await srv.stop();
    expect(s.code).toBe(0);
    for (const n of names) {
      expect(s.lines).toContain(`join ${addr[n]}`);
      expect(s.lines).toContain(`${addr[n]} says: hi from ${n}`);
      expect(s.lines).toContain(`${addr[n]} says: bye from ${n}`);
      expect(s.lines).toContain(`leave ${addr[n]}`);
    }
    expect(s.lines.at(-1)).toBe('stopped');
  }, 20_000);

  it('file transfer: 20 MB generated stream arrives whole, same SHA-256, flat memory', async ({ expect }) => {
    const out = path.join(work, 'received-20mb.bin');
    const [recv, port] = await server('file-receive', '--out', out);
    const size = 20 * 1024 * 1024;
    const send = await run('file-send', '--port', String(port), '--generate-bytes', String(size));
    expect(send.code, send.stderr).toBe(0);
    const sent = send.lines[0]?.match(/^sent (\d+) bytes sha256=([0-9a-f]{64})$/);
    expect(sent, send.stdout).not.toBeNull();
    expect(Number(sent![1])).toBe(size);
    const r = await recv.exit();
    expect(r.code, r.stderr).toBe(0);
    const got = r.lines.at(-1)!.match(/^received (\d+) bytes from 127\.0\.0\.1:\d+ sha256=([0-9a-f]{64}) peak rss ([\d.]+) MB$/);
    expect(got, r.stdout).not.toBeNull();
    expect(Number(got![1])).toBe(size);
    expect(got![2]).toBe(sent![2]);
    expect(Number(got![3])).toBeLessThan(150); // streamed, not buffered: far below the file + Node's baseline
    expect((await stat(out)).size).toBe(size);
    const onDisk = createHash('sha256');
    for await (const c of createReadStream(out)) onDisk.update(c as Buffer);
    expect(onDisk.digest('hex')).toBe(sent![2]);
  }, 30_000);

  it('file transfer: --file sends a file as is; bad flags exit 2', async ({ expect }) => {
    const src = path.join(work, 'small.txt');
    const body = 'line one\nline two\n'.repeat(1000);
    await writeFile(src, body);
    const out = path.join(work, 'small-received.txt');
    const [recv, port] = await server('file-receive', '--out', out);
    const send = await run('file-send', '--port', String(port), '--file', src);
    expect(send.lines).toEqual([`sent ${body.length} bytes sha256=${sha256(body)}`]);
    const r = await recv.exit();
    expect(r.lines.at(-1)).toMatch(new RegExp(`^received ${body.length} bytes from 127\\.0\\.0\\.1:\\d+ sha256=${sha256(body)} peak rss`));
    expect(readFileSync(out, 'utf8')).toBe(body);

    const neither = await run('file-send', '--port', String(port));
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('file-send: give exactly one of --file or --generate-bytes');
    const missing = await run('file-send', '--file', path.join(work, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`open ${path.join(work, 'nope')} failed: ENOENT`);
  });

  it('ports: classes of several listening ports, local ports of the client, ephemeral range', async ({ expect }) => {
    const wellKnown = await freePortIn(1000, 1023).catch(() => null); // needs root or a low unprivileged start
    const registered = (await freePortIn(20000, 30000))!;
    const dynamic = (await freePortIn(61000, 65535))!;
    const ports = [wellKnown, registered, dynamic].filter((p): p is number => p !== null);
    const srv = node('ports-server', '--bind', LO, ...ports.flatMap((p) => ['--port', String(p)]));
    await srv.waitFor(/^listening on /, ports.length);
    expect(srv.lines.slice(0, ports.length)).toEqual(ports.map((p) => `listening on 127.0.0.1:${p} (tcp) ${portClass(p)}`));
    expect(srv.lines.slice(0, 3).join('\n')).toContain(`${dynamic} (tcp) dynamic/private`);
    expect(srv.lines).toContain(`listening on 127.0.0.1:${registered} (tcp) registered`);

    const c = await run('ports-client', ...ports.flatMap((p) => ['--port', String(p)]));
    expect(c.code, c.stderr).toBe(0);
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    ports.forEach((p, i) => {
      const m = c.lines[i]?.match(new RegExp(`^connected to 127\\.0\\.0\\.1:${p} from local port (\\d+) \\((.+)\\)$`));
      expect(m, c.stdout).not.toBeNull();
      const local = Number(m![1]);
      expect(m![2]).toBe(portClass(local));
      expect(local).toBeGreaterThanOrEqual(low!);
      expect(local).toBeLessThanOrEqual(high!);
    });
    expect(c.lines.at(-1)).toBe(`ephemeral port range: ${low}-${high}`);
    await srv.waitFor(/^connection from 127\.0\.0\.1:\d+ to port \d+$/, ports.length);

    // a port already taken: the server fails before printing any `listening` line
    const clash = await run('ports-server', '--bind', LO, '--port', String(await closedPort()), '--port', String(registered));
    expect(clash.code).toBe(1);
    expect(clash.stdout).toBe('');
    expect(clash.stderr.trim()).toBe(`listen on 127.0.0.1:${registered} (tcp) failed: EADDRINUSE`);

    const s = await srv.stop();
    expect(s.code).toBe(0);
    expect(s.lines.at(-1)).toBe('stopped');
    const refused = await run('ports-client', '--port', String(registered));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(`connect to 127.0.0.1:${registered} failed: ECONNREFUSED`);
    expect(refused.lines).toEqual([`ephemeral port range: ${low}-${high}`]);
  });

  it('every program answers --help (exit 0) and rejects a bad flag (exit 2)', async ({ expect }) => {
    const names = Object.keys(bin) as ProgramName[];
    await Promise.all(
      names.map(async (name) => {
        const help = await run(name, '--help');
        expect(help.code, name).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`^usage: ${name} \\[flags\\]`));
        const bad = await run(name, '--no-such-flag');
        expect(bad.code, name).toBe(2);
        expect(bad.stderr).toContain(`${name}: unknown flag --no-such-flag`);
        expect(bad.stdout).toBe('');
      }),
    );
    const port = await run('tcp-echo-client', '--port', '99999');
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be an integer from 0 to 65535 (got "99999")');
  }, 30_000);
});

// ------------------------------------------------------------------ the seeds' Python programs

/** Is something bound to `port` (TCP: listening) on any local address? Reads /proc/net. */
function portBound(proto: 'tcp' | 'udp', port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hex}`) && (proto === 'udp' || f[3] === '0A')) return true;
    }
  }
  return false;
}

async function waitBound(proto: 'tcp' | 'udp', port: number, p: Proc): Promise<void> {
  const deadline = Date.now() + 8000;
  while (!portBound(proto, port)) {
    if (Date.now() > deadline) throw new Error(`${p.label} never bound ${proto}/${port}: ${p.stderr}`);
    if (p.child.exitCode !== null) throw new Error(`${p.label} exited: ${p.stderr}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

// The seed servers bind fixed ports without SO_REUSEADDR, so a rerun within TIME_WAIT
// (~60 s) would fail with "Address already in use". The tests (only) run them through a
// wrapper that sets SO_REUSEADDR before bind; the files themselves run unchanged.
const PY_WRAPPER = [
  'import runpy, socket, sys',
  '_bind = socket.socket.bind',
  'def bind(self, addr):',
  '    self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  '    return _bind(self, addr)',
  'socket.socket.bind = bind',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
].join('\n');

function py(file: (typeof PYTHON_PROGRAMS)[number], ...args: string[]): Proc {
  return new Proc(`${file} ${args.join(' ')}`, 'python3', ['-u', '-c', PY_WRAPPER, path.join(PROGRAMS_DIR, 'python', file), ...args]);
}

describe.skipIf(!HAS_PYTHON)('seed Python programs (python3 -u, fixed ports, one at a time)', { timeout: 15_000 }, () => {
  const pyRun = (file: (typeof PYTHON_PROGRAMS)[number], ...args: string[]): Promise<Exit> => py(file, ...args).exit();

  it('all of them compile', () => {
    const check = "import sys\nfor f in sys.argv[1:]: compile(open(f, encoding='utf-8').read(), f, 'exec')";
    const files = PYTHON_PROGRAMS.map((f) => path.join(PROGRAMS_DIR, 'python', f));
    const r = spawnSync('python3', ['-c', check, ...files], { encoding: 'utf8' }); // compiles without writing __pycache__
    expect(r.status, r.stderr).toBe(0);
  });

  it('seed 000 UDP (port 50000): server prints the datagram and its sender, then exits', async () => {
    const srv = py('seed000_udp_server.py');
    await waitBound('udp', 50000, srv);
    const c = await pyRun('seed000_udp_client.py', LO);
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d [\d:.]+ UDP client start$/)]);
    const s = await srv.exit();
    expect(s.code, s.stderr).toBe(0);
    expect(s.lines.slice(1)).toEqual(['Waiting...', expect.stringMatching(/^b'Hello UDP' \('127\.0\.0\.1', \d+\)$/)]);
    // the Node port of the same lesson talks to the Python server too
    const srv2 = py('seed000_udp_server.py');
    await waitBound('udp', 50000, srv2);
    expect((await run('udp-hello-client')).lines).toEqual(['sent 9 bytes to 127.0.0.1:50000']);
    expect((await srv2.exit()).lines.at(-1)).toMatch(/^b'Hello UDP' \('127\.0\.0\.1', \d+\)$/);
  });

  it('seed 000 TCP (port 50000): echo server, client prints Received repr(data)', async () => {
    const srv = py('seed000_tcp_server.py');
    await waitBound('tcp', 50000, srv);
    const c = await pyRun('seed000_tcp_client.py', LO);
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines.at(-1)).toBe("Received b'Hello TCP'");
    const n = await run('tcp-echo-client', '--host', LO);
    expect(n.lines).toEqual(["Received b'Hello TCP'"]);
    await srv.waitFor(/^b'Hello TCP' \('127\.0\.0\.1', \d+\)$/, 2);
    srv.child.kill('SIGTERM');
    await srv.exit();
  });

  it('seed 001 UDP (port 49152): Server accessed.(n) counts across clients', async () => {
    const srv = py('seed001_udp_server.py');
    await waitBound('udp', 49152, srv);
    await srv.waitFor(/^サーバ起動しました。クライアントの接続待ち$/);
    for (const n of [1, 2]) {
      const c = await pyRun('seed001_udp_client.py', LO);
      expect(c.code, c.stderr).toBe(0);
      expect(c.lines).toContain(`サーバからの受信データ Server accessed.(${n})`);
      expect(c.lines.at(-1)).toBe('サーバ切断完了');
    }
    expect((await run('udp-counter-client')).lines).toEqual(['received: Server accessed.(3)']);
    await srv.waitFor(/^送信メッセージ= Server accessed\.\(3\)$/);
    srv.child.kill('SIGTERM');
    await srv.exit();
  });

  it('seed 003 TCP (port 7001): one greeting each way', async () => {
    const srv = py('seed003_tcp_server.py');
    await waitBound('tcp', 7001, srv);
    const c = await pyRun('seed003_tcp_client.py', LO);
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual(['Connection Success..', "Client : Data Received :  Hello, i'm server!"]);
    const s = await srv.exit();
    expect(s.code, s.stderr).toBe(0);
    expect(s.lines).toEqual([
      'Waiting for Connection..',
      expect.stringMatching(/^\('127\.0\.0\.1', \d+\) by Connetcion\.\.$/),
      "Server : Data Received : Hello, i'm client!",
    ]);
    // and the Node client against the Python server
    const srv2 = py('seed003_tcp_server.py');
    await waitBound('tcp', 7001, srv2);
    expect((await run('tcp-exchange-client')).lines).toEqual(['Connection Success..', "Client : Data Received : Hello, i'm server!"]);
    expect((await srv2.exit()).lines.at(-1)).toBe("Server : Data Received : Hello, i'm client!");
  });

  it('seed 003 UDP (port 7001): echo printed as data and address tuple', async () => {
    const srv = py('seed003_udp_server.py');
    await waitBound('udp', 7001, srv);
    const c = await pyRun('seed003_udp_client.py', LO);
    expect(c.code, c.stderr).toBe(0);
    expect(c.lines).toEqual(["Hello! ('127.0.0.1', 7001)"]);
    expect((await srv.exit()).code).toBe(0);
    // the Node client prints the very same line
    const srv2 = py('seed003_udp_server.py');
    await waitBound('udp', 7001, srv2);
    expect((await run('udp-echo-client')).lines).toEqual(["Hello! ('127.0.0.1', 7001)"]);
    expect((await srv2.exit()).code).toBe(0);
  });

  it('seed 004 TCP (port 60001): five clients get Hello World!, then the server exits', async () => {
    const srv = py('seed004_server_tcp.py');
    await waitBound('tcp', 60001, srv);
    for (let i = 0; i < 4; i++) {
      const c = await pyRun('seed004_client_tcp.py', LO);
      expect(c.code, c.stderr).toBe(0);
      expect(c.lines).toEqual(["b'Hello World!'"]);
    }
    const n = await run('tcp-hello-client');
    expect(n.lines[0]).toBe('Hello World!');
    const s = await srv.exit();
    expect(s.code, s.stderr).toBe(0);
    expect(s.lines).toEqual(Array(5).fill(expect.stringMatching(/^Source IP Address: \('127\.0\.0\.1', \d+\)$/)));
    // the server is gone: TCP refuses
    const late = await pyRun('seed004_client_tcp.py', LO);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('ConnectionRefusedError');
  });

  it('seed 004 UDP (port 60002): five datagrams, then sending to nobody still succeeds', async () => {
    const srv = py('seed004_server_udp.py');
    await waitBound('udp', 60002, srv);
    for (let i = 0; i < 5; i++) {
      const c = await pyRun('seed004_client_udp.py', LO);
      expect(c.code, c.stderr).toBe(0);
    }
    const s = await srv.exit();
    expect(s.code, s.stderr).toBe(0);
    expect(s.lines).toEqual(Array(5).fill(expect.stringMatching(/^b'Hello Server!' \('127\.0\.0\.1', \d+\)$/)));
    const late = await pyRun('seed004_client_udp.py', LO);
    expect(late.code, late.stderr).toBe(0);
  });
});
