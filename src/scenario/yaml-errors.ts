// The YAML layer's messages: yaml's errors in plain words, placed where they are best fixed.
import { isAlias, visit, type Document, type YAMLError } from 'yaml';

/** yaml's message in plain words, and the offset it is best shown at. */
export function describeYamlError(error: YAMLError, doc: Document, text: string): { offset: number; message: string } {
  const offset = error.pos[0];
  const firstLine = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return { offset, message: 'YAML syntax: a tab is used for indentation; indent with spaces, not tabs.' };
    case 'DUPLICATE_KEY': {
      const key = /^("[^"]*"|'[^']*'|[^:\s]+)/.exec(text.slice(offset))?.[1] ?? 'this key';
      return {
        offset,
        message: `YAML syntax: the key ${key.startsWith('"') || key.startsWith("'") ? key : `'${key}'`} appears twice in this mapping; each key may appear once: remove or rename one.`,
      };
    }
    case 'MULTIPLE_DOCS':
      return {
        offset,
        message:
          "YAML syntax: this '---' starts a second YAML document; a scenario is one document: remove the '---' and what follows, or split it into two files.",
      };
    case 'MISSING_CHAR': {
      // yaml reports an unclosed quote where the file ends; the quote that opened it is the place to fix.
      const opened = unclosedQuoteOffset(doc, offset);
      if (opened !== undefined) {
        const quote = text[opened];
        return { offset: opened, message: `YAML syntax: the string quoted here is never closed; add the closing ${quote} (or remove this one).` };
      }
      return { offset, message: `YAML syntax: ${firstLine}.` };
    }
    case 'BAD_INDENT':
      return { offset, message: `YAML syntax: ${lowerFirst(firstLine)}; check that the lines of one mapping start in the same column.` };
    default:
      return { offset, message: `YAML syntax: ${firstLine.replace(/\.$/, '')}.` };
  }
}

function unclosedQuoteOffset(doc: Document, errorOffset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[1] >= errorOffset) {
        found = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

export function firstAliasOffset(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) found = node.range[0];
      return visit.BREAK;
    },
  });
  return found;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
