// Output expectations are matched as the output streams by, chunk by chunk, in constant
// memory: the verdict must be the same however the output is cut into chunks.
import { describe, expect, it } from 'vitest';
import { OutputMatcher, TextMatcher, checkText } from '../../src/lab/output-matchers.js';
import { LineSplitter, MAX_LINE_BYTES, TailBuffer, lineText } from '../../src/util/bounded-output.js';

/** The text pushed in pieces of `size` bytes. */
function inPieces(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

const verdict = (text: string, size: number, spec: Parameters<typeof TextMatcher.of>[1]) => {
  const matcher = TextMatcher.of('stdout', spec);
  for (const piece of inPieces(text, size)) matcher.push(piece);
  return matcher.failures();
};

describe('matching output as it streams', () => {
  const text = 'connecting...\nconnected to 10.0.0.10:60001\nこんにちは、世界\n  \n\r\nbye\n';

  it('gives the verdict of the whole text, whatever the chunk size (needles split across chunks, UTF-8 split mid-character)', () => {
    const specs = [
      { contains: ['connected to 10.0.0.10:60001', 'こんにちは、世界', 'bye'] },
      { not_contains: '世界' },
      { contains: 'goodbye' },
      { regex: '^connected to [0-9.]+:\\d+$' },
      { regex: 'こんにちは' },
      { lines: 4 },
      { lines: 5 },
    ];
    for (const spec of specs) {
      const whole = checkText('stdout', text, spec);
      for (const size of [1, 2, 3, 5, 7, 64]) expect({ spec, size, failures: verdict(text, size, spec) }).toEqual({ spec, size, failures: whole });
    }
    expect(checkText('stdout', text, specs[0]!)).toEqual([]);
    expect(checkText('stdout', text, specs[1]!)).toHaveLength(1);
    expect(checkText('stdout', text, specs[5]!)).toEqual([]);
  });

  it('finds a regex match across the boundary of large batches', () => {
    const filler = 'x'.repeat(300 * 1024);
    const matcher = TextMatcher.of('stdout', { regex: 'needle\\nin the' });
    for (const piece of inPieces(`${filler}needle\nin the${filler}`, 65536)) matcher.push(piece);
    expect(matcher.failures()).toEqual([]);
  });

  it('quotes the end of what was seen when it fails, not the start', () => {
    const failures = verdict(`${'early '.repeat(1000)}the last words`, 4096, { contains: 'missing' });
    expect(failures[0]).toMatch(/^stdout does not contain "missing"; it was "\.\.\.[a-z]* (early )+the last words"$/);
    expect(failures[0]!.length).toBeLessThan(400);
  });

  it('says how a program ended when a signal ended it', () => {
    const matcher = new OutputMatcher(undefined, 0);
    matcher.push('stderr', Buffer.from('Killed\n'));
    expect(matcher.failures({ code: 137, signal: 'SIGKILL', outOfMemory: true }, 256 * 1024 * 1024)).toEqual([
      'it ended killed: out of memory, limit 256 MB (exit code 137), expected 0; stderr: "Killed"',
    ]);
    expect(matcher.failures({ code: 0 })).toEqual([]);
    expect(matcher.failures(undefined)).toEqual([]);
  });
});

describe('bounded buffers', () => {
  it('a tail keeps only its last bytes', () => {
    const tail = new TailBuffer(10);
    for (const piece of inPieces('0123456789'.repeat(1000), 7)) tail.push(piece);
    expect(tail.text()).toBe('0123456789');
    expect(tail.total).toBe(10_000);
    expect(tail.truncated).toBe(true);
  });

  it('a line splitter delivers an endless line in pieces rather than holding it', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((bytes, start, end) => lines.push(lineText(bytes, start, end)));
    for (let i = 0; i < 100; i += 1) splitter.push(Buffer.alloc(1024, 'z'));
    splitter.push('\r\nnext');
    splitter.flush();
    expect(lines.every((line) => line.length <= MAX_LINE_BYTES)).toBe(true);
    expect(lines.join('').length).toBe(100 * 1024 + 4);
    expect(lines.at(-1)).toBe('next');
  });
});
