// The custom framed protocol of the seed 002 lesson (Pythonでソケットを使った独自プロトコル
// の実装方法: データ形式・エラーハンドリング), kept small enough to read in a capture.
//
// A frame on the TCP stream:
//
//   offset  size  field
//   0       1     version       always 1
//   1       1     type          1 HELLO, 2 ECHO_REQUEST, 3 ECHO_REPLY,
//                               4 TIME_REQUEST, 5 TIME_REPLY, 0x7f ERROR
//   2       4     length        payload length in bytes, big-endian, at most 65536
//   6       len   payload       UTF-8 text (ERROR: the reason)
//
// TCP is a byte stream: one read may hold half a frame or several frames, so the
// receiver buffers bytes (FrameDecoder) and cuts frames by their length field. A bad
// header is reported as soon as its 6 bytes are in, without waiting for a payload.
// Everything here is pure (no sockets), so it is unit-tested directly.

export const PROTOCOL_VERSION = 1;
export const HEADER_SIZE = 6;
export const MAX_PAYLOAD = 65536;

export const FrameType = {
  HELLO: 0x01,
  ECHO_REQUEST: 0x02,
  ECHO_REPLY: 0x03,
  TIME_REQUEST: 0x04,
  TIME_REPLY: 0x05,
  ERROR: 0x7f,
} as const;
export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const NAMES = new Map<number, FrameTypeName>((Object.entries(FrameType) as [FrameTypeName, number][]).map(([name, code]) => [code, name]));

export function isFrameType(code: number): code is FrameTypeCode {
  return NAMES.has(code);
}

/** HELLO, ECHO_REQUEST...; unknown codes as 0x42. */
export function typeName(code: number): string {
  return NAMES.get(code) ?? hex(code);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export interface Frame {
  version: number;
  type: FrameTypeCode;
  /** the payload bytes */
  payload: Buffer;
  /** the payload decoded as UTF-8 */
  text: string;
}

/**
 * Build one frame. `version`, `type` and `length` can be overridden (to any byte /
 * uint32) so a client can send deliberately malformed frames; `length` without a
 * matching payload sends just the claimed length.
 */
export function encodeFrame(type: number, payload: string | Uint8Array = '', overrides: { version?: number; length?: number } = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const length = overrides.length ?? body.length;
  if (overrides.length === undefined && body.length > MAX_PAYLOAD) {
    throw new RangeError(`payload of ${body.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(overrides.version ?? PROTOCOL_VERSION, 0);
  header.writeUInt8(type, 1);
  header.writeUInt32BE(length, 2);
  return Buffer.concat([header, body]);
}

/** A violation of the protocol; `message` is the precise reason sent in the ERROR frame. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * Check a 6-byte header: version, then type, then length. Returns the reason for the
 * first problem found, or null.
 */
export function headerProblem(version: number, type: number, length: number): string | null {
  if (version !== PROTOCOL_VERSION) return `unsupported version ${version}`;
  if (!isFrameType(type)) return `unknown type ${hex(type)}`;
  if (length > MAX_PAYLOAD) return `payload length ${length} exceeds ${MAX_PAYLOAD}`;
  return null;
}

export interface DecodeResult {
  /** complete frames, in order */
  frames: Frame[];
  /** set once the stream broke the protocol; frames before the bad one are still returned */
  error: ProtocolError | null;
}

/**
 * Streaming decoder: feed it the chunks as TCP delivers them (`push`), get back every
 * frame completed so far. After an error it stays failed and ignores further input.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private failed: ProtocolError | null = null;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  /** bytes held waiting for the rest of a frame */
  get buffered(): number {
    return this.buf.length;
  }

  get error(): ProtocolError | null {
    return this.failed;
  }

  push(chunk: Uint8Array): DecodeResult {
    const frames: Frame[] = [];
    if (this.failed) return { frames, error: this.failed };
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= HEADER_SIZE) {
      const version = this.buf.readUInt8(0);
      const type = this.buf.readUInt8(1);
      const length = this.buf.readUInt32BE(2);
      const problem = headerProblem(version, type, length);
      if (problem) return this.fail(frames, problem);
      if (this.buf.length < HEADER_SIZE + length) break;
      const payload = Buffer.from(this.buf.subarray(HEADER_SIZE, HEADER_SIZE + length));
      this.buf = this.buf.subarray(HEADER_SIZE + length);
      let text: string;
      try {
        text = this.utf8.decode(payload);
      } catch {
        return this.fail(frames, `${typeName(type)} payload is not valid UTF-8`);
      }
      frames.push({ version, type: type as FrameTypeCode, payload, text });
    }
    return { frames, error: null };
  }

  /** Call when the stream ends: an incomplete frame left in the buffer is an error. */
  end(): ProtocolError | null {
    if (this.failed) return this.failed;
    if (this.buf.length === 0) return null;
    if (this.buf.length < HEADER_SIZE) {
      this.failed = new ProtocolError(`stream ended inside a frame header (${this.buf.length} of ${HEADER_SIZE} bytes)`);
    } else {
      const want = this.buf.readUInt32BE(2);
      this.failed = new ProtocolError(`stream ended inside a frame payload (${this.buf.length - HEADER_SIZE} of ${want} bytes)`);
    }
    return this.failed;
  }

  private fail(frames: Frame[], reason: string): DecodeResult {
    this.failed = new ProtocolError(reason);
    this.buf = Buffer.alloc(0);
    return { frames, error: this.failed };
  }
}

/** How the server prints a frame: `v1 ECHO_REQUEST 5 bytes "hello"`. */
export function describeFrame(f: Frame): string {
  return `v${f.version} ${typeName(f.type)} ${f.payload.length} bytes ${JSON.stringify(f.text)}`;
}
