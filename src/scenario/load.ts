// Loads a scenario file through the validation layers, collecting every issue at once:
// file (size, text) -> YAML syntax -> schema (zod) -> rules (cross-field, files on disk).
// Nothing here touches the engine: `socklab validate` runs without one.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, dottedPath, type IssueLayer, type PathSegment, type ScenarioIssue } from './issues.js';
import { checkRules } from './rules.js';
import { Scenario, STEP_KINDS, STEP_SCHEMAS, stepKind, type ScenarioValue } from './schema.js';
import { SourceMap } from './source-map.js';
import { schemaIssueMessage } from './schema-messages.js';

/** Scenarios are hand-written; anything larger is a mistake (or an attack on the parser). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** yaml's own guard against alias expansion bombs ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

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
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return fileIssue(`cannot read the scenario file: it does not exist. Check the path.`);
  }
  if (size > MAX_SCENARIO_BYTES) {
    return fileIssue(
      `the file is ${(size / 1024 / 1024).toFixed(1)} MB; a scenario is at most 1 MB. Is this the right file?`,
    );
  }
  const bytes = await readFile(file);
  return checkScenarioText(file, bytes);
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
  const binaryAt = findBinary(bytes);
  if (binaryAt !== undefined) {
    return {
      ok: false,
      issues: [
        issue('file', binaryAt.line, binaryAt.column, '', 'this is not a text file (binary or invalid UTF-8 bytes). A scenario is a YAML text file.'),
      ],
    };
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) {
    return {
      ok: false,
      issues: [issue('file', 1, 1, '', 'the file is empty. A scenario needs at least `name`, `networks` and `hosts`; see docs/scenario-format.md.')],
    };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const source = new SourceMap(doc, lineCounter);
  const yamlIssues = [...doc.errors].map((error) => yamlIssue(file, error, lineCounter));
  if (yamlIssues.length > 0) return { ok: false, issues: yamlIssues };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = /alias/i.test((error as Error).message)
      ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases.`
      : `cannot read the YAML: ${(error as Error).message}`;
    return { ok: false, issues: [issue('yaml', 1, 1, '', message)] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      issues: [issue('schema', 1, 1, '', 'a scenario is a mapping with keys `name`, `networks`, `hosts` and `steps`; this file holds something else.')],
    };
  }

  const parsed = Scenario.safeParse(value);
  if (!parsed.success) {
    const issues = flattenIssues(parsed.error.issues, [], value).map(({ path, zodIssue }) => {
      const key = zodIssue.code === 'unrecognized_keys' ? zodIssue.keys[0] : undefined;
      const position = source.position(path, key);
      const shownPath = key ? [...path, key] : path;
      return issue('schema', position.line, position.column, dottedPath(shownPath), schemaIssueMessage(zodIssue, path));
    });
    return { ok: false, issues: dedupe(issues) };
  }

  const loaded: LoadedScenario = { file, dir: dirname(resolve(file)), scenario: parsed.data, source };
  const ruleIssues = checkRules(parsed.data, loaded.dir).map((problem) => {
    const position = problem.atKey ? source.keyPosition(problem.path) : source.position(problem.path);
    return issue('rules', position.line, position.column, dottedPath(problem.path), problem.message);
  });
  if (ruleIssues.length > 0) return { ok: false, issues: ruleIssues };
  return { ok: true, loaded };
}

function yamlIssue(file: string, error: YAMLError, lineCounter: LineCounter): ScenarioIssue {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const text = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const hint: Record<string, string> = {
    TAB_AS_INDENT: ' Indent with spaces, not tabs.',
    DUPLICATE_KEY: ' Each key may appear once in a mapping: remove or rename the repeated one.',
    BAD_INDENT: ' Check that the lines of one mapping start in the same column.',
  };
  return {
    file,
    line,
    column: col,
    path: '',
    message: `YAML syntax: ${text}.${hint[error.code] ?? ''}`.replace(/\.\./g, '.'),
    layer: 'yaml',
  };
}

interface LocatedIssue {
  path: PathSegment[];
  zodIssue: z.core.$ZodIssue;
}

/**
 * Unions (steps, nat rules, expectations) report every branch's failure. A person wrote one
 * branch: for steps that is the action key they used; otherwise the branch with the fewest
 * problems at its root (the one whose keys matched).
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], base: PathSegment[], root: unknown): LocatedIssue[] {
  const located: LocatedIssue[] = [];
  for (const zodIssue of issues) {
    const path = [...base, ...(zodIssue.path as PathSegment[])];
    if (zodIssue.code !== 'invalid_union' || zodIssue.errors.length === 0) {
      located.push({ path, zodIssue });
      continue;
    }
    const value = valueAt(root, path);
    const isStep = isStepPath(path);
    if (isStep && value && typeof value === 'object' && !Array.isArray(value)) {
      const kind = stepKind(value);
      if (!kind) {
        located.push({ path, zodIssue: { ...zodIssue, message: `a step needs one action key: ${STEP_KINDS.join(', ')}` } });
        continue;
      }
      const result = STEP_SCHEMAS[kind].safeParse(value);
      if (!result.success) located.push(...flattenIssues(result.error.issues, path, root));
      continue;
    }
    const branches = zodIssue.errors.map((branch) => ({
      branch,
      rootProblems: branch.filter((inner) => inner.path.length === 0).length,
    }));
    branches.sort((a, b) => a.rootProblems - b.rootProblems || a.branch.length - b.branch.length);
    const best = branches[0]!;
    // Every branch failed at its root: the value has the wrong shape altogether.
    if (best.rootProblems > 0 && branches.every((b) => b.rootProblems === best.rootProblems)) {
      located.push({ path, zodIssue });
    } else {
      located.push(...flattenIssues(best.branch, path, root));
    }
  }
  return located;
}

function isStepPath(path: PathSegment[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return typeof last === 'number' && (parent === 'steps' || parent === 'parallel');
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
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

/** Where the first NUL byte or invalid UTF-8 sequence is, if any. */
function findBinary(bytes: Buffer): { line: number; column: number } | undefined {
  const nul = bytes.indexOf(0);
  let badAt = nul >= 0 ? nul : -1;
  if (badAt < 0) {
    const decoded = bytes.toString('utf8');
    const replacement = decoded.indexOf('\uFFFD');
    if (replacement >= 0 && !bytes.includes(Buffer.from('\uFFFD'))) badAt = Buffer.byteLength(decoded.slice(0, replacement));
  }
  if (badAt < 0) return undefined;
  const before = bytes.subarray(0, badAt).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
