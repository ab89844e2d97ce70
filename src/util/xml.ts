// A small XML writer, enough for a report file (JUnit): elements, attributes and text, with
// every value escaped. Text that reaches a report comes from programs people are writing,
// so it may hold anything: characters XML 1.0 cannot carry at all (control characters, lone
// surrogates, U+FFFE/U+FFFF) are dropped, terminal colour codes are removed whole, and
// attribute values keep their line breaks and tabs as character references (a parser would
// turn raw ones into spaces).

export interface XmlElement {
  name: string;
  attributes?: Record<string, string | number | undefined>;
  children?: (XmlElement | string)[];
}

/** ESC [ ... final byte: the colour and cursor codes a terminal program prints. */
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
/** Everything outside XML 1.0's Char production (with the `u` flag a lone surrogate is one code point, and is matched). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The text with what XML cannot carry removed. */
export function xmlSafe(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(NOT_XML_CHAR, '');
}

export function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** An XML name is the writer's own (element and attribute names are never user text); a wrong one is a bug. */
const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not an XML name: ${JSON.stringify(name)}`);
  return name;
}

function writeElement(element: XmlElement, indent: string, out: string[]): void {
  const attributes = Object.entries(element.attributes ?? {})
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${checkName(key)}="${escapeAttribute(String(value))}"`)
    .join('');
  const open = `${indent}<${checkName(element.name)}${attributes}`;
  const children = element.children ?? [];
  if (children.length === 0) {
    out.push(`${open}/>`);
    return;
  }
  // Text is written as it is (no indentation added inside it): a failure's body keeps its lines.
  if (children.every((child) => typeof child === 'string')) {
    out.push(`${open}>${children.map(escapeText).join('')}</${element.name}>`);
    return;
  }
  out.push(`${open}>`);
  for (const child of children) {
    if (typeof child === 'string') out.push(escapeText(child));
    else writeElement(child, `${indent}  `, out);
  }
  out.push(`${indent}</${element.name}>`);
}

/** A whole document: the declaration, then the root element, indented. */
export function xmlDocument(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  writeElement(root, '', out);
  return `${out.join('\n')}\n`;
}
