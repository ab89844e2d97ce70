// The schema layer's messages. Zod reports what failed; these functions decide what a person
// meant (which branch of a union, which step kind, which key was mistyped) so that each
// problem is said once, about what was written, at the place it was written.
import type { z } from 'zod';
import { dottedPath, type PathSegment } from './issues.js';
import { keysAt } from './known-keys.js';
import { STEP_KINDS, STEP_SCHEMAS, stepKind } from './schema.js';
import { article, closest, customMessage, either, foundText, schemaIssueMessage, unknownKeyMessage } from './schema-messages.js';
import type { SourceMap } from './source-map.js';

/** A schema problem in words, with where it is written. */
export interface SchemaProblem {
  line: number;
  column: number;
  path: string;
  message: string;
}

/** Zod's issues for `value` as problems a person can act on, each once, in file order of discovery. */
export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[], value: unknown, source: SourceMap): SchemaProblem[] {
  const located = mergeTypoWithMissingKey(flattenIssues(issues, [], value), value);
  const problems = located.map(({ path, zodIssue, key, message }) => {
    const position = zodIssue.code === 'invalid_key' ? source.keyPosition(path) : source.position(path, key);
    const shownPath = key !== undefined ? [...path, key] : path;
    const keysHere = zodIssue.code === 'unrecognized_keys' ? keysAt(path, value) : undefined;
    const text = message ?? schemaIssueMessage(zodIssue, path, { ...inputAt(value, path), key, keysHere });
    return { line: position.line, column: position.column, path: dottedPath(shownPath), message: text };
  });
  return dedupe(problems);
}

interface LocatedIssue {
  path: PathSegment[];
  zodIssue: z.core.$ZodIssue;
  /** The issue is about this key of the map at `path` (reported where the key is written). */
  key?: string;
  /** A sentence decided while resolving a union, where its context is known. */
  message?: string;
}

/**
 * Zod reports a union's failure once per branch. A person meant one branch; this picks it so
 * that the message is about what they wrote (see resolveUnion).
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], base: PathSegment[], root: unknown): LocatedIssue[] {
  const located: LocatedIssue[] = [];
  for (const zodIssue of issues) {
    const path = [...base, ...(zodIssue.path as PathSegment[])];
    if (zodIssue.code === 'unrecognized_keys') {
      // One issue per key, each at its own line.
      for (const key of zodIssue.keys) located.push({ path, zodIssue, key });
    } else if (zodIssue.code === 'invalid_union' && zodIssue.errors.length > 0) {
      located.push(...resolveUnion(zodIssue, path, root));
    } else {
      located.push({ path, zodIssue });
    }
  }
  return located;
}

/** True when a branch failed because the value has another type altogether. */
function mismatchesType(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.some(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === 'invalid_type' || (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every(mismatchesType))),
  );
}

function resolveUnion(zodIssue: z.core.$ZodIssueInvalidUnion, path: PathSegment[], root: unknown): LocatedIssue[] {
  const value = valueAt(root, path);
  if (isStepPath(path)) {
    if (isMapping(value)) return resolveStep(zodIssue, path, root, value);
    const kind = typeof value === 'string' && (STEP_KINDS as readonly string[]).includes(value) ? value : 'run';
    return [{ path, zodIssue, message: `a step is a mapping with one action key, such as '- ${kind}: ...'; found ${foundText(value)}.` }];
  }

  // A branch of another type (a string where a mapping was written) is not what was meant.
  const fitting = zodIssue.errors.filter((branch) => !mismatchesType(branch));
  if (fitting.length === 0) {
    const expected = [...new Set(zodIssue.errors.flatMap(expectedTypes))].map(article);
    const found = `found ${foundText(value)}`;
    const custom = customMessage(zodIssue);
    return [{ path, zodIssue, message: custom ? `${custom.replace(/\.$/, '')} (${found}).` : `expected ${either(expected)} here, ${found}.` }];
  }
  if (fitting.length === 1) return flattenIssues(fitting[0]!, path, root);

  if (isMapping(value)) {
    // Mappings: the branch that knows the most of the written keys (a nat rule with
    // `masquerade:` is a masquerade rule, whatever else is wrong with it).
    const keys = Object.keys(value);
    const known = (branch: readonly z.core.$ZodIssue[]) =>
      keys.length -
      branch.filter((i) => i.path.length === 0 && i.code === 'unrecognized_keys').reduce((n, i) => n + (i as z.core.$ZodIssueUnrecognizedKeys).keys.length, 0);
    const ranked = fitting.map((branch) => ({ branch, known: known(branch) })).sort((a, b) => b.known - a.known || a.branch.length - b.branch.length);
    if (ranked[0]!.known === 0) {
      const choices = [...new Set(fitting.flatMap((branch) => missingKeys(branch, value)))];
      const what = customMessage(zodIssue) ?? `expected one of the keys ${choices.map((c) => `'${c}'`).join(', ')}`;
      const key = keys[0];
      if (key === undefined) return [{ path, zodIssue, message: `this mapping is empty; ${withStop(what)}` }];
      const suggestion = closest(key, choices);
      const message = suggestion
        ? `unknown key '${key}': did you mean '${suggestion}'? ${upperFirst(withStop(what))}`
        : `unknown key '${key}': ${withStop(what)}`;
      return [{ path, zodIssue, key, message }];
    }
    return flattenIssues(ranked[0]!.branch, path, root);
  }
  const fewest = [...fitting].sort((a, b) => a.length - b.length)[0]!;
  return flattenIssues(fewest, path, root);
}

/** Steps: the action key written (start, run, ...) says which kind of step was meant. */
function resolveStep(zodIssue: z.core.$ZodIssue, path: PathSegment[], root: unknown, value: Record<string, unknown>): LocatedIssue[] {
  const kind = stepKind(value);
  if (!kind) {
    return [{ path, zodIssue, message: `a step needs one action key: ${STEP_KINDS.join(', ')}. Add the one that says what this step does.` }];
  }
  const result = STEP_SCHEMAS[kind].safeParse(value);
  if (result.success) return [];
  const located: LocatedIssue[] = [];
  for (const issue of flattenIssues(result.error.issues, path, root)) {
    const other = issue.zodIssue.code === 'unrecognized_keys' && issue.path.length === path.length ? issue.key : undefined;
    if (other && (STEP_KINDS as readonly string[]).includes(other)) {
      located.push({ ...issue, message: `a step does one thing, but this one has '${kind}' and '${other}'; split it into two steps.` });
    } else {
      located.push(issue);
    }
  }
  return located;
}

/** Types a branch expected at its root, as zod names them. */
function expectedTypes(branch: readonly z.core.$ZodIssue[]): string[] {
  return branch.flatMap((issue) => {
    if (issue.path.length !== 0) return [];
    if (issue.code === 'invalid_type') return [issue.expected];
    if (issue.code === 'invalid_union') return issue.errors.flatMap(expectedTypes);
    return [];
  });
}

/** Required keys a branch of an object union missed: the keys that would have chosen it. */
function missingKeys(branch: readonly z.core.$ZodIssue[], value: Record<string, unknown>): string[] {
  return branch
    .filter((issue) => issue.code === 'invalid_type' && issue.path.length === 1 && !(String(issue.path[0]) in value))
    .map((issue) => String(issue.path[0]));
}

/**
 * `subent:` instead of `subnet:` is one mistake, not two: when an unknown key is a near miss
 * of a required key missing from the same mapping, say so once, at the typo.
 */
function mergeTypoWithMissingKey(located: LocatedIssue[], root: unknown): LocatedIssue[] {
  const isMissing = (issue: LocatedIssue) => issue.zodIssue.code === 'invalid_type' && issue.key === undefined && !inputAt(root, issue.path).present;
  const dropped = new Set<LocatedIssue>();
  const merged = located.map((issue) => {
    if (issue.key === undefined || issue.zodIssue.code !== 'unrecognized_keys') return issue;
    const parent = dottedPath(issue.path);
    const missing = located.filter((other) => isMissing(other) && dottedPath(other.path.slice(0, -1)) === parent && !dropped.has(other));
    const names = missing.map((other) => String(other.path[other.path.length - 1]));
    const meant = closest(issue.key, names);
    if (!meant) return issue;
    dropped.add(missing[names.indexOf(meant)]!);
    return { ...issue, message: unknownKeyMessage(issue.key, [meant]) };
  });
  return merged.filter((issue) => !dropped.has(issue));
}

function isStepPath(path: PathSegment[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return typeof last === 'number' && (parent === 'steps' || parent === 'parallel');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  return inputAt(root, path).value;
}

function inputAt(root: unknown, path: readonly PathSegment[]): { present: boolean; value: unknown } {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !(String(segment) in current)) return { present: false, value: undefined };
    current = (current as Record<string, unknown>)[segment as string];
  }
  return { present: true, value: current };
}

function withStop(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function dedupe(issues: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
