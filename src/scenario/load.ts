// Loads a scenario file through the validation layers, collecting every issue at once:
// file (size, text: read-file.ts) -> YAML syntax (yaml-errors.ts) -> schema (zod;
// schema-issues.ts words its failures) -> the model (model.ts) -> rules (rules.ts,
// step-rules.ts). Nothing here touches the engine: `socklab validate` runs without one.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BUNDLED_SCENARIOS_DIR } from '../util/paths.js';
import { LineCounter, parseDocument } from 'yaml';
import { ScenarioError, dottedPath, type IssueLayer, type ScenarioIssue } from './issues.js';
import { buildScenario, type Scenario } from './model.js';
import { findBinary, MAX_SCENARIO_BYTES, readScenarioBytes } from './read-file.js';
import { checkRules } from './rules.js';
import { Scenario as ScenarioSchema } from './schema.js';
import { describeSchemaIssues } from './schema-issues.js';
import { article, typeOf } from './schema-messages.js';
import { SourceMap } from './source-map.js';
import { describeYamlError, firstAliasOffset } from './yaml-errors.js';

export { MAX_SCENARIO_BYTES };

/** yaml's own guard against alias expansion bombs ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;
const NEEDS = 'A scenario needs at least `name`, `networks` and `hosts`; see docs/scenario-format.md.';

export interface LoadedScenario {
  file: string;
  dir: string;
  /** The scenario's model: typed steps, defaults applied, program files found. */
  scenario: Scenario;
  source: SourceMap;
  /**
   * Folders, besides the scenario's and socklab's programs, that its programs may be read
   * from (bundling refuses every other file): a student's folder when grading.
   */
  programRoots?: string[];
}

export type LoadResult = { ok: true; loaded: LoadedScenario } | { ok: false; issues: ScenarioIssue[] };

export async function loadScenario(file: string): Promise<LoadedScenario> {
  const result = await checkScenarioFile(file);
  if (!result.ok) throw new ScenarioError(result.issues);
  return result.loaded;
}

/** A bundled lesson's name, where a file is asked for: `socklab run tcp-hello`. */
const LESSON_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,30}$/;

/**
 * The file a scenario argument names: the path as given when there is such a file, else the
 * bundled lesson of that name (from any folder, so an installed socklab runs its lessons).
 */
export function scenarioFileOf(argument: string): string {
  if (existsSync(argument) || !LESSON_NAME.test(argument)) return argument;
  const bundled = join(BUNDLED_SCENARIOS_DIR, `${argument}.yaml`);
  return existsSync(bundled) ? bundled : argument;
}

export async function checkScenarioFile(argument: string): Promise<LoadResult> {
  const file = scenarioFileOf(argument);
  const fileIssue = (message: string): LoadResult => ({
    ok: false,
    issues: [{ file, line: 1, column: 1, path: '', message, layer: 'file' }],
  });
  const read = await readScenarioBytes(file);
  if (typeof read === 'string') {
    // A name that is no lesson: say where names come from.
    const named = LESSON_NAME.test(argument) && file === argument && read.includes('does not exist');
    return fileIssue(named ? `no file '${argument}', and no bundled lesson of that name; socklab list shows the lessons.` : read);
  }
  return hideContentsOfNonYaml(file, checkScenarioText(file, read));
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
          'this is not a scenario, and socklab shows nothing of the contents of files not named .yaml or .yml. If it is a scenario, name it .yaml to see every problem in it.',
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
        issue(
          'yaml',
          line,
          col,
          '',
          `aliases nested like this one expand into too many copies (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases.`,
        ),
      );
    }
    return fail(issue('yaml', 1, 1, '', `cannot read the YAML: ${(error as Error).message}`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const at = source.position([]);
    return fail(
      issue(
        'schema',
        at.line,
        at.column,
        '',
        `a scenario is a mapping of keys (\`name\`, \`networks\`, \`hosts\`, \`steps\`), but this file holds ${article(typeOf(value))}.`,
      ),
    );
  }

  const parsed = ScenarioSchema.safeParse(value);
  if (!parsed.success) {
    return fail(
      ...describeSchemaIssues(parsed.error.issues, value, source).map((problem) =>
        issue('schema', problem.line, problem.column, problem.path, problem.message),
      ),
    );
  }

  const dir = dirname(resolve(file));
  const loaded: LoadedScenario = { file, dir, scenario: buildScenario(parsed.data, dir), source };
  const ruleIssues = checkRules(loaded.scenario, dir).map((problem) => {
    const position = problem.atKey ? source.keyPosition(problem.path) : source.position(problem.path);
    return issue('rules', position.line, position.column, dottedPath(problem.path), problem.message);
  });
  if (ruleIssues.length > 0) return fail(...ruleIssues);
  return { ok: true, loaded };
}
