// Streaming helpers for the file-transfer lesson (seed 002, 応用例2): a pass-through
// that hashes and counts what flows by, a deterministic pseudo-random byte source (so a
// 100 MB transfer needs no file on disk) and a peak-RSS sampler to show memory stays flat.
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Every socket read is a fresh 64 KB buffer held outside V8's heap; V8 collects the spent
 * ones only after some 64 MB of them pile up, so a long transfer's memory would rise by
 * that much for nothing. Collecting every `everyBytes` keeps it near the working set.
 * (`gc` is exposed at run time, so the program still runs as plain `node file.js`.)
 */
function collectorEvery(everyBytes: number): (bytes: number) => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let sinceLast = 0;
  return (bytes) => {
    sinceLast += bytes;
    if (sinceLast < everyBytes) return;
    sinceLast = 0;
    gc();
  };
}

/** Passes chunks through unchanged while computing SHA-256 and counting bytes. */
export class HashCounter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly collect?: (bytes: number) => void;
  bytes = 0;

  /** With `collectEveryBytes`, spent buffers are collected that often (see collectorEvery). */
  constructor(options: { collectEveryBytes?: number } = {}) {
    super();
    if (options.collectEveryBytes) this.collect = collectorEvery(options.collectEveryBytes);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.collect?.(chunk.length);
    done(null, chunk);
  }

  /** hex digest; call once, after the stream has finished */
  hex(): string {
    return this.hash.digest('hex');
  }
}

export const GENERATOR_CHUNK = 64 * 1024;

/**
 * `total` deterministic pseudo-random bytes (xorshift32 from `seed`, written
 * little-endian), produced one chunk per read() call: nothing is generated until the
 * consumer asks, so a slow socket holds the generator back (backpressure).
 */
export function generatedStream(total: number, seed = 1): Readable {
  let x = seed >>> 0 || 0x9e3779b9;
  let left = total;
  return new Readable({
    highWaterMark: GENERATOR_CHUNK,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const size = Math.min(GENERATOR_CHUNK, left);
      const chunk = Buffer.allocUnsafe(Math.ceil(size / 4) * 4);
      for (let off = 0; off < chunk.length; off += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        chunk.writeUInt32LE(x >>> 0, off);
      }
      left -= size;
      this.push(size === chunk.length ? chunk : chunk.subarray(0, size));
    },
  });
}

/** Samples process.memoryUsage.rss() every `everyMs` and remembers the peak. */
export class RssSampler {
  private peak = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 25) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** Stop sampling; returns the peak in MB with one decimal, e.g. "52.3". */
  stop(): string {
    this.sample();
    clearInterval(this.timer);
    return (this.peak / (1024 * 1024)).toFixed(1);
  }
}
