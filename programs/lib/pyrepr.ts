// Python-compatible printing, so the Node programs print what the seeds' Python
// programs print: repr() of a bytes object (seed 000's `print(repr(data))`) and the
// (host, port) tuple of an AF_INET address (seed 003's `print(data.decode(), addr)`).

/**
 * Python's repr(bytes): b'...' with \\, \t, \n, \r and \xhh escapes for bytes outside
 * 0x20..0x7e. Like CPython, it uses double quotes when the data contains a single quote
 * and no double quote; otherwise single quotes, escaping any single quote inside.
 */
export function pyRepr(data: Uint8Array): string {
  const SQ = 0x27;
  const DQ = 0x22;
  const quote = data.includes(SQ) && !data.includes(DQ) ? '"' : "'";
  let out = 'b' + quote;
  for (const b of data) {
    if (b === quote.charCodeAt(0) || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out + quote;
}

/** An AF_INET address the way Python prints the tuple: ('10.0.0.5', 7001). */
export function pyAddrTuple(address: string, port: number): string {
  const a = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return `('${a}', ${port})`;
}
