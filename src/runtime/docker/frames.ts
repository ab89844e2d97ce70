// Docker's multiplexed stream (an exec's or a container's output without a TTY): frames of
// an 8-byte header (stream type, 3 zero bytes, payload size as a big-endian 32-bit number)
// followed by the payload.
//
// dockerode's own demuxStream copies the rest of its buffer for every frame it takes out, so
// a chunk holding many small frames is copied many times over, and a program that prints
// without end makes socklab's memory grow with it. This splitter hands on payloads as
// views of the chunks they arrived in (a payload split across chunks comes in pieces) and
// copies nothing but a header that straddles two chunks.

export type FrameStream = 'stdout' | 'stderr';

export class FrameSplitter {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  private remaining = 0;
  private stream: FrameStream = 'stdout';

  constructor(private readonly onPayload: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerBytes, chunk.length - offset);
        chunk.copy(this.header, this.headerBytes, offset, offset + take);
        this.headerBytes += take;
        offset += take;
        if (this.headerBytes < 8) return;
        this.headerBytes = 0;
        this.stream = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      this.onPayload(this.stream, chunk.subarray(offset, offset + take));
      this.remaining -= take;
      offset += take;
    }
  }
}

/** Splits a whole multiplexed buffer (a finished container's logs). */
export function splitFrames(buffer: Buffer, onPayload: (stream: FrameStream, payload: Buffer) => void): void {
  new FrameSplitter(onPayload).push(buffer);
}
