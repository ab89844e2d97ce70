// Loads a scenario file through the validation layers, collecting every issue at once:
// file (size, text) -> YAML syntax -> schema (zod) -> rules (cross-field, files on disk).
// Nothing here touches the engine: `socklab validate` runs without one.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, isAlias, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, dottedPath, type IssueLayer, type PathSegment, type ScenarioIssue } from './issues.js';
import { checkRules } from './rules.js';
import { Scenario, STEP_KINDS, STEP_SCHEMAS, stepKind, type ScenarioValue } from './schema.js';
import { keysAt } from './known-keys.js';
import { SourceMap } from './source-map.js';
import { article, closest, customMessage, either, foundText, schemaIssueMessage, typeOf, unknownKeyMessage } from './schema-messages.js';

/** Scenarios are hand-written; anything larger is a mistake (or an attack on the parser). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** yaml's own guard against alias expansion bombs ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;
const NEEDS = 'A scenario needs at least `name`, `networks` and `hosts`; see docs/scenario-format.md.';

export interface LoadedScenario {
  file: string;
  dir: string;
  scenario: ScenarioValue;
  source: SourceMap;
}

export type LoadResult = { ok: true; loaded: LoadedScenario } | { ok: false; issues: ScenarioIssue[] };

export async function loadScenario(file: string): Promise<LoadedScenario> {
  const result = await checkScenarioFile(file);
  if (!result.ok) throw new ScenarioError(result.issues);
  return result.loaded;
}

export async function checkScenarioFile(file: string): Promise<LoadResult> {
  const fileIssue = (message: string): LoadResult => ({
    ok: false,
    issues: [{ file, line: 1, column: 1, path: '', message, layer: 'file' }],
  });
  const read = await readScenarioBytes(file);
  if (typeof read === 'string') return fileIssue(read);
  return hideContentsOfNonYaml(file, checkScenarioText(file, read));
}

/**
 * The bytes of a scenario file, or what is wrong with it. Only a regular file is read (a
 * FIFO would block, /dev/zero would never end), opened without blocking and checked on the
 * opened file itself, and never more than the size limit: the count is kept while reading,
 * as a file can grow after its size was looked at.
 */
async function readScenarioBytes(file: string): Promise<Buffer | string> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'cannot read the scenario file: it does not exist. Check the path.'
      : `cannot read the scenario file (${code ?? (error as Error).message}); check its permissions.`;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return 'this is a folder; give the path of a scenario file (.yaml) inside it.';
    if (!info.isFile()) return 'this is not a regular file (a device, a pipe or a socket); give the path of a scenario file (.yaml).';
    if (info.size > MAX_SCENARIO_BYTES) return `the file is ${(info.size / 1024 / 1024).toFixed(1)} MB; a scenario is at most 1 MB. Is this the right file?`;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(64 * 1024) });
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_SCENARIO_BYTES) return `the file is larger than 1 MB; a scenario is at most 1 MB. Is this the right file?`;
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks);
  } catch (error) {
    return `cannot read the scenario file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A file that is not named like a scenario (.yaml, .yml) and is not one may be anything,
 * a key file or a password list given by mistake: say so without quoting any of it.
 */
function hideContentsOfNonYaml(file: string, result: LoadResult): LoadResult {
  if (result.ok || /\.ya?ml$/i.test(file) || !result.issues.some((issue) => issue.layer === 'yaml' || issue.layer === 'schema')) return result;
  return {
    ok: false,
    issues: [
      {
        file,
        line: 1,
        column: 1,
        path: '',
        layer: 'file',
        message:
          "this is not a scenario, and socklab shows nothing of the contents of files not named .yaml or .yml. If it is a scenario, name it .yaml to see every problem in it.",
      },
    ],
  };
}

export function checkScenarioText(file: string, bytes: Buffer): LoadResult {
  const issue = (layer: IssueLayer, line: number, column: number, path: string, message: string): ScenarioIssue => ({
    file,
    line,
    column,
    path,
    message,
    layer,
  });
  const fail = (...issues: ScenarioIssue[]): LoadResult => ({ ok: false, issues });

  const binary = findBinary(bytes);
  if (binary) return fail(issue('file', binary.line, binary.column, '', binary.message));
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    return fail(issue('file', 1, 1, '', `the file is empty. ${NEEDS}`));
  }
  if (text.split('\n').every((line) => line.trim() === '' || line.trimStart().startsWith('#'))) {
    return fail(issue('file', 1, 1, '', `the file holds only comments. ${NEEDS}`));
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const source = new SourceMap(doc, lineCounter);
  const yamlIssues = doc.errors.map((error) => {
    const { offset, message } = describeYamlError(error, doc, text);
    const { line, col } = lineCounter.linePos(offset);
    return issue('yaml', line, col, '', message);
  });
  if (yamlIssues.length > 0) return fail(...yamlIssues);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (/alias/i.test((error as Error).message)) {
      const { line, col } = lineCounter.linePos(firstAliasOffset(doc) ?? 0);
      return fail(
        issue('yaml', line, col, '', `aliases nested like this one expand into too many copies (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases.`),
      );
    }
    return fail(issue('yaml', 1, 1, '', `cannot read the YAML: ${(error as Error).message}`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const at = source.position([]);
    return fail(
      issue('schema', at.line, at.column, '', `a scenario is a mapping of keys (\`name\`, \`networks\`, \`hosts\`, \`steps\`), but this file holds ${article(typeOf(value))}.`),
    );
  }

  const parsed = Scenario.safeParse(value);
  if (!parsed.success) {
    const located = mergeTypoWithMissingKey(flattenIssues(parsed.error.issues, [], value), value);
    const issues = located.map(({ path, zodIssue, key, message }) => {
      const position = zodIssue.code === 'invalid_key' ? source.keyPosition(path) : source.position(path, key);
      const shownPath = key !== undefined ? [...path, key] : path;
      const keysHere = zodIssue.code === 'unrecognized_keys' ? keysAt(path, value) : undefined;
      const text = message ?? schemaIssueMessage(zodIssue, path, { ...inputAt(value, path), key, keysHere });
      return issue('schema', position.line, position.column, dottedPath(shownPath), text);
    });
    return fail(...dedupe(issues));
  }

  const loaded: LoadedScenario = { file, dir: dirname(resolve(file)), scenario: parsed.data, source };
  const ruleIssues = checkRules(parsed.data, loaded.dir).map((problem) => {
    const position = problem.atKey ? source.keyPosition(problem.path) : source.position(problem.path);
    return issue('rules', position.line, position.column, dottedPath(problem.path), problem.message);
  });
  if (ruleIssues.length > 0) return fail(...ruleIssues);
  return { ok: true, loaded };
}

/** yaml's message in plain words, and the offset it is best shown at. */
function describeYamlError(error: YAMLError, doc: Document, text: string): { offset: number; message: string } {
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
        message: "YAML syntax: this '---' starts a second YAML document; a scenario is one document: remove the '---' and what follows, or split it into two files.",
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

function firstAliasOffset(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) found = node.range[0];
      return visit.BREAK;
    },
  });
  return found;
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
      keys.length - branch.filter((i) => i.path.length === 0 && i.code === 'unrecognized_keys').reduce((n, i) => n + (i as z.core.$ZodIssueUnrecognizedKeys).keys.length, 0);
    const ranked = fitting.map((branch) => ({ branch, known: known(branch) })).sort((a, b) => b.known - a.known || a.branch.length - b.branch.length);
    if (ranked[0]!.known === 0) {
      const choices = [...new Set(fitting.flatMap((branch) => missingKeys(branch, value)))];
      const what = customMessage(zodIssue) ?? `expected one of the keys ${choices.map((c) => `'${c}'`).join(', ')}`;
      const key = keys[0];
      if (key === undefined) return [{ path, zodIssue, message: `this mapping is empty; ${withStop(what)}` }];
      const suggestion = closest(key, choices);
      const message = suggestion ? `unknown key '${key}': did you mean '${suggestion}'? ${upperFirst(withStop(what))}` : `unknown key '${key}': ${withStop(what)}`;
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

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function dedupe(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where the first NUL byte or invalid UTF-8 sequence is, if any, and what to say about it. */
function findBinary(bytes: Buffer): { line: number; column: number; message: string } | undefined {
  const at = (offset: number) => {
    const lines = bytes.subarray(0, offset).toString('utf8').split('\n');
    return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
  };
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { ...at(nul), message: 'this is a binary file (it holds NUL bytes), not a YAML text file; check that this is the scenario you meant.' };
  }
  const invalid = firstInvalidUtf8(bytes);
  if (invalid === undefined) return undefined;
  const byte = bytes[invalid]!.toString(16).toUpperCase().padStart(2, '0');
  return {
    ...at(invalid),
    message: `byte 0x${byte} is not valid UTF-8: the file was saved in another encoding (e.g. Latin-1); save it as UTF-8.`,
  };
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number | undefined {
  const decoded = bytes.toString('utf8');
  const replacement = decoded.indexOf('\uFFFD');
  if (replacement < 0) return undefined;
  // A U+FFFD written in the file is valid UTF-8 (EF BF BD); look past those.
  let offset = 0;
  for (const char of decoded) {
    const width = Buffer.byteLength(char);
    if (char === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    offset += width;
  }
  return undefined;
}
