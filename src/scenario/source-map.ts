// Maps a path inside the parsed scenario back to a line and column of the YAML source.
// The one place that knows how yaml's nodes carry positions.
import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './issues.js';

export interface Position {
  line: number;
  column: number;
}

export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  private at(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Position of the value at `path`; with `key`, the position of that key inside the map at
   * `path` (unknown keys are reported where the key is written). A path that does not exist
   * (a missing key) falls back to its nearest existing parent.
   */
  position(path: readonly PathSegment[], key?: string): Position {
    if (key !== undefined) {
      const map = this.nodeAt(path);
      if (isMap(map)) {
        const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
        if (pair && isNode(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
      }
    }
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (node?.range) return this.at(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  /** Position of the key that names the value at `path` (e.g. the `server:` of a host). */
  keyPosition(path: readonly PathSegment[]): Position {
    const last = path[path.length - 1];
    if (typeof last === 'string') return this.position(path.slice(0, -1), last);
    return this.position(path);
  }

  private nodeAt(path: readonly PathSegment[]): Node | undefined {
    if (path.length === 0) return this.doc.contents ?? undefined;
    const node = this.doc.getIn(path, true);
    if (isNode(node)) return node;
    // getIn does not walk into a sequence by a string index; walk by hand as a fallback.
    let current: unknown = this.doc.contents;
    for (const segment of path) {
      if (isMap(current)) current = current.get(segment, true);
      else if (isSeq(current)) current = current.get(Number(segment), true);
      else return undefined;
    }
    return isNode(current) ? current : undefined;
  }
}
