// Turns zod's issues into sentences a teacher can act on: what is wrong and what to write.
import type { z } from 'zod';
import type { PathSegment } from './issues.js';
import { KNOWN_KEYS } from './known-keys.js';

/** Keys that are right elsewhere in the format, with where they go. */
const MISPLACED_KEY_HINTS: Record<string, string> = {
  wait_for: 'only a `start` step (a background program) waits for its output; a `run` step already waits for its program to finish.',
  nat: 'NAT rules go on a host with `role: router`, under `hosts.NAME.nat`.',
  expect: 'expectations go on a step that runs or ends a program (`run`, `stop`, `wait`), or in an `expect` step of their own.',
  memory: "a host's resource limits go under `limits`, e.g. `limits: { memory: 256m }`.",
  pids: "a host's resource limits go under `limits`, e.g. `limits: { pids: 256 }`.",
  cpus: "a host's resource limits go under `limits`, e.g. `limits: { cpus: 0.5 }`.",
};

/** What the validator knows about the written value an issue is about. */
export interface IssueInput {
  /** False when the key is not written at all (a missing required key). */
  present: boolean;
  value?: unknown;
  /** For an unknown key: the key, when one zod issue names several. */
  key?: string;
  /** For an unknown key: the keys allowed in that mapping, when known (see keysAt). */
  keysHere?: readonly string[];
}

export function schemaIssueMessage(issue: z.core.$ZodIssue, path: readonly PathSegment[], input: IssueInput): string {
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownKeyMessage(input.key ?? issue.keys[0] ?? '', input.keysHere);
    case 'invalid_type': {
      if (!input.present) return typeof last === 'string' ? `'${last}' is required: add it here.` : 'a value is required here.';
      const found = foundText(input.value);
      const quoted = (issue.expected === 'number' || issue.expected === 'int') && typeof input.value === 'string' && /^-?\d+(\.\d+)?$/.test(input.value);
      const hint = quoted ? ' Write numbers without quotes.' : keyValueHint(input.value);
      if (issue.message && !issue.message.startsWith('Invalid input')) return `${withoutStop(issue.message)} (found ${found}).${hint}`;
      return `expected ${article(issue.expected)} here, found ${found}.${hint}`;
    }
    case 'invalid_value': {
      const choices = issue.values.map((v) => `'${String(v)}'`).join(', ');
      const meant = typeof input.value === 'string' ? sameIgnoringCase(input.value, issue.values.map(String)) : undefined;
      if (meant) return `'${String(input.value)}' is written '${meant}' (expected one of ${choices}).`;
      if (last === 'state' && input.value === 'LISTEN') {
        return `a connection is never in state LISTEN; check a listening socket with \`listening: { host, port }\` (states here: ${choices}).`;
      }
      // A message the schema wrote for this value says more than the list of choices.
      if (issue.message && !/^Invalid (input|option)/.test(issue.message)) return sentence(issue.message);
      return `expected one of ${choices}.`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `this list is empty; give at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}.`;
      return sentence(issue.message);
    case 'invalid_union':
      return sentence(customMessage(issue) ?? 'this value has the wrong shape; see docs/scenario-format.md');
    case 'invalid_format':
      // Patterns (addresses, subnets, durations, names): show what was written beside what is expected.
      return typeof input.value === 'string' ? `${withoutStop(issue.message)} (found '${input.value}').` : sentence(issue.message);
    case 'invalid_key':
      return `bad name '${String(last)}': ${withoutStop(firstMessage(issue.issues))}.`;
    default:
      return sentence(issue.message);
  }
}

/**
 * `here`: the keys the mapping allows, when known; suggestions then come from those, and the
 * message can list them. Without it, suggestions come from every key of the format.
 */
export function unknownKeyMessage(key: string, here?: readonly string[]): string {
  if (MISPLACED_KEY_HINTS[key]) return `'${key}' does not belong here: ${MISPLACED_KEY_HINTS[key]}`;
  const suggestion = closest(
    key,
    (here ?? KNOWN_KEYS).filter((candidate) => candidate !== key),
  );
  if (suggestion) return `unknown key '${key}': did you mean '${suggestion}'?`;
  const allowed = here && here.length > 0 ? ` Allowed here: ${here.join(', ')}.` : ' See docs/scenario-format.md for the keys allowed here.';
  if (KNOWN_KEYS.includes(key)) return `'${key}' does not belong here.${allowed}`;
  return `unknown key '${key}': remove it or correct it.${allowed}`;
}

/** A union's own message when the schema gives one (zod's default starts "Invalid input"). */
export function customMessage(issue: z.core.$ZodIssue): string | undefined {
  return issue.message && !issue.message.startsWith('Invalid input') ? issue.message : undefined;
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The written value as a message shows it: scalars themselves, the rest by kind. */
export function foundText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.length <= 40 ? `the string '${value}'` : 'a string';
  return article(typeOf(value));
}

export function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true/false',
    null: 'nothing',
    int: 'a whole number',
    record: 'a mapping',
    undefined: 'nothing',
  };
  return names[type] ?? type;
}

/** "a, b or c" */
export function either(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * `subnet:10.0.0.0/24` (no space after the colon) is one string to YAML, not a key and a
 * value: the commonest reason a mapping turns out to be a string.
 */
function keyValueHint(value: unknown): string {
  if (typeof value !== 'string') return '';
  const match = /^([A-Za-z_][\w-]*):(\S.*)$/.exec(value);
  if (!match) return '';
  return ` YAML reads it as one string: put a space after the colon ('${match[1]}: ${match[2]}').`;
}

function sameIgnoringCase(written: string, values: readonly string[]): string | undefined {
  const lower = written.toLowerCase();
  return values.find((value) => value.toLowerCase() === lower || value.toLowerCase() === `sig${lower}`);
}

function firstMessage(issues: readonly z.core.$ZodIssue[]): string {
  return issues[0]?.message ?? 'not allowed';
}

function withoutStop(text: string): string {
  return text.replace(/\.$/, '');
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/**
 * The candidate nearest to `word` by edit distance, if it is a plausible typo. A shortened
 * word ('listen' for 'listening') counts as one edit away.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const shortened = lower.length >= 4 && (other.startsWith(lower) || lower.startsWith(other));
    const distance = shortened ? 1 : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      // 'lna' for 'lan': two neighbours swapped is one slip of the fingers.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
