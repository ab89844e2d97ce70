// Turns zod's issues into sentences a teacher can act on: what is wrong and what to write.
import type { z } from 'zod';
import type { PathSegment } from './issues.js';
import { KNOWN_KEYS } from './known-keys.js';

/** Keys that are right elsewhere in the format, with where they go. */
const MISPLACED_KEY_HINTS: Record<string, string> = {
  wait_for: 'only a `start` step (a background program) waits for its output; a `run` step already waits for its program to finish.',
  nat: 'NAT rules go on a host with `role: router`, under `hosts.NAME.nat`.',
  expect: 'expectations go on a `run` or `stop` step, or in an `expect` step of their own.',
};

export function schemaIssueMessage(issue: z.core.$ZodIssue, path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      if (MISPLACED_KEY_HINTS[key]) return `'${key}' does not belong here: ${MISPLACED_KEY_HINTS[key]}`;
      if (KNOWN_KEYS.includes(key)) return `'${key}' does not belong here; see docs/scenario-format.md for where it goes.`;
      const suggestion = closest(key, KNOWN_KEYS);
      const more = issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).map((k) => `'${k}'`).join(', ')})` : '';
      return suggestion
        ? `unknown key '${key}'${more}: did you mean '${suggestion}'?`
        : `unknown key '${key}'${more}: remove it (see docs/scenario-format.md for the keys allowed here).`;
    }
    case 'invalid_type': {
      const received = receivedType(issue);
      if (received === 'undefined') {
        return typeof last === 'string' ? `'${last}' is required here.` : 'a value is required here.';
      }
      if (issue.message && !issue.message.startsWith('Invalid input')) return `${issue.message} (found ${article(received)}).`;
      return `expected ${article(issue.expected)} here, found ${article(received)}.`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}.`;
    case 'invalid_union':
      return sentence(issue.message === 'Invalid input' ? 'this value has the wrong shape; see docs/scenario-format.md' : issue.message);
    case 'invalid_key':
      return `bad name '${String(last)}': ${firstMessage(issue.issues)}.`;
    default:
      return sentence(issue.message);
  }
}

function receivedType(issue: z.core.$ZodIssue): string {
  const match = /received (\w+)/.exec(issue.message);
  if (match) return match[1]!;
  return 'input' in issue ? describe(issue.input) : 'something else';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function firstMessage(issues: readonly z.core.$ZodIssue[]): string {
  return issues[0]?.message ?? 'not allowed';
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    null: 'nothing (null)',
    record: 'a mapping',
  };
  return names[type] ?? type;
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** The known key nearest to `word` by edit distance, if it is a plausible typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
