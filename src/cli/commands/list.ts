// `socklab list [FOLDER]`: the bundled lessons (scenarios/*.yaml) with their one-line
// descriptions, so a learner can pick one without opening the files. Also home of
// findScenarioFiles, which `socklab test` uses to expand folders the same way.
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative } from 'node:path';
import Table from 'cli-table3';
import { checkScenarioFile } from '../../scenario/load.js';
import { formatIssue } from '../../scenario/issues.js';
import { BUNDLED_SCENARIOS_DIR } from '../../util/paths.js';
import { EXIT } from '../errors.js';

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml']);

/** A path given on the command line that is neither a scenario file nor a folder. */
export class MissingPathError extends Error {
  override name = 'MissingPathError';
}

/**
 * Scenario files named by `targets`: files as given, folders expanded to the .yaml/.yml
 * files directly inside them (not sub-folders: a lesson folder holds lessons, and
 * fixtures kept below it are not meant to run with them), sorted by name, each file once.
 */
export async function findScenarioFiles(targets: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const target of targets) {
    const info = await stat(target).catch(() => undefined);
    if (!info) throw new MissingPathError(`${target}: no such file or folder`);
    if (!info.isDirectory()) {
      files.push(target);
      continue;
    }
    const entries = await readdir(target, { withFileTypes: true });
    const found = entries
      .filter((entry) => entry.isFile() && SCENARIO_EXTENSIONS.has(extname(entry.name)))
      .map((entry) => join(target, entry.name))
      .sort();
    if (found.length === 0) throw new MissingPathError(`${target}: no scenario files (*.yaml) in this folder`);
    files.push(...found);
  }
  return [...new Set(files)];
}

/** How to name a file for the person at the terminal: relative when under the working folder. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export interface LessonEntry {
  name: string;
  file: string;
  hosts: number;
  description: string;
  /** Set when the file does not load: the first problem, as file:line:col: message. */
  problem?: string;
}

export async function readLessons(folder: string): Promise<LessonEntry[]> {
  const files = await findScenarioFiles([folder]);
  return Promise.all(
    files.map(async (file): Promise<LessonEntry> => {
      const result = await checkScenarioFile(file);
      if (!result.ok) {
        return { name: file, file, hosts: 0, description: '', problem: formatIssue(result.issues[0]!) };
      }
      const { scenario } = result.loaded;
      return {
        name: scenario.name,
        file,
        hosts: Object.keys(scenario.hosts).length,
        // Descriptions may be folded over several YAML lines; a listing shows one line.
        description: (scenario.description ?? '').replace(/\s+/g, ' ').trim(),
      };
    }),
  );
}

export async function listCommand(folder: string | undefined, options: { json?: boolean }): Promise<number> {
  const dir = folder ?? BUNDLED_SCENARIOS_DIR;
  let lessons: LessonEntry[];
  try {
    lessons = await readLessons(dir);
  } catch (error) {
    if (!(error instanceof MissingPathError)) throw error;
    process.stderr.write(`socklab: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        lessons.map((lesson) => ({ ...lesson, file: displayPath(lesson.file) })),
        null,
        2,
      )}\n`,
    );
    return lessons.some((lesson) => lesson.problem) ? EXIT.invalid : EXIT.ok;
  }
  // Fit the description column to the terminal; 100 columns when not writing to one.
  const width = Math.max(60, process.stdout.columns ?? 100);
  const nameWidth = Math.max(8, ...lessons.map((lesson) => lesson.name.length)) + 2;
  const table = new Table({
    head: ['lesson', 'hosts', 'what it shows'],
    colWidths: [nameWidth, 7, Math.max(20, width - nameWidth - 7 - 4)],
    wordWrap: true,
    // No line between rows: a wrapped description stays readable as one block.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    // No colours inside the table: cli-table3 would count escape codes as text.
    style: { head: [], border: [] },
  });
  for (const lesson of lessons) {
    table.push([lesson.name, String(lesson.hosts), lesson.problem ? `(does not load: ${lesson.problem})` : lesson.description]);
  }
  const where = displayPath(dir);
  process.stdout.write(`${table.toString()}\n`);
  process.stdout.write(
    `${lessons.length} lesson(s) in ${where}. Run one: socklab run ${join(where, '<lesson>.yaml')}; check them all: socklab test ${where}\n`,
  );
  return lessons.some((lesson) => lesson.problem) ? EXIT.invalid : EXIT.ok;
}
