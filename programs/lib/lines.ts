// Newline framing for the chat lesson: TCP delivers bytes in arbitrary pieces, so a
// line may arrive split over several reads or several lines in one read. LineSplitter
// keeps the partial tail until its newline comes. Input is text (use
// socket.setEncoding('utf8'), which also keeps multi-byte characters whole).

export class LineSplitter {
  private tail = '';

  /** @param maxLine a line longer than this many characters is cut (protects memory) */
  constructor(private readonly maxLine = 64 * 1024) {}

  /** Feed text; returns the complete lines (without "\n" or a trailing "\r"). */
  push(text: string): string[] {
    const parts = (this.tail + text).split('\n');
    this.tail = parts.pop() ?? '';
    if (this.tail.length > this.maxLine) {
      parts.push(this.tail.slice(0, this.maxLine));
      this.tail = '';
    }
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** At end of stream: the unterminated last line, if any. */
  flush(): string | null {
    const rest = this.tail;
    this.tail = '';
    return rest === '' ? null : rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  }
}
