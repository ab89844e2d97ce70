// Grading: a lesson run with a student's program in place of one of its own. The lesson
// stays the judge (its steps, its clients or servers, its expectations); only the program
// of the chosen steps changes.
//
// Which steps: `--program ID=PATH` names a step by its `id` (a `start` or `run` step that
// runs a program file). With `--students DIR`, every sub-folder of DIR is a student; either
// the same `--program ID=FILE` options name the file in each folder (all of them must be
// there), or, without them, the files present decide: a file named like one of the lesson's
// programs (`tcp-hello-server.py` for `programs/tcp-hello-server.ts`: the same name with
// .ts, .js or .py) replaces that program in every step that runs it.
//
// A student's file is checked as a scenario's own program is: a .ts, .js or .py regular
// file of at most 8 MB, found by its real path inside its folder (a link out of it is
// refused), and a TypeScript program may import only from that folder (the bundler's roots:
// the lesson's folder, socklab's programs and the student's folder). It runs under the
// lesson's program name, so `ps` and the lesson's `process` expectations see that name.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { LoadedScenario } from '../scenario/load.js';
import { findLocalFile, type LocalFile } from '../scenario/local-files.js';
import { mapProgramSteps, visitSteps, type ProgramRef, type ProgramStep } from '../scenario/model.js';
import { MAX_PROGRAM_BYTES, PROGRAM_EXTENSIONS, type ProgramLocation } from '../scenario/program-path.js';
import { shortPath } from '../util/paths.js';
import { pendingResult, type SuiteEntry } from './test-suite.js';

/** A mistake in what grading was asked to do (an unknown step id, a missing file): exit 2. */
export class GradingInputError extends Error {
  override name = 'GradingInputError';
}

/** `--program ID=PATH`, as given. */
export interface ProgramChoice {
  id: string;
  path: string;
}

export function parseProgramChoice(text: string): ProgramChoice {
  const at = text.indexOf('=');
  const id = text.slice(0, at).trim();
  const path = text.slice(at + 1).trim();
  if (at < 0 || id === '' || path === '') {
    throw new GradingInputError(
      `--program takes ID=PATH (the id of a lesson step that runs a program, and a file), e.g. --program hello-server=server.py; got '${text}'`,
    );
  }
  return { id, path };
}

type FileProgram = Extract<ProgramRef, { kind: 'file' }>;

/** A lesson step that runs a program file. */
interface ProgramStepInfo {
  step: ProgramStep;
  program: FileProgram;
}

function programSteps(loaded: LoadedScenario): ProgramStepInfo[] {
  const found: ProgramStepInfo[] = [];
  const note = (step: ProgramStep) => {
    if (step.program?.kind === 'file') found.push({ step, program: step.program });
  };
  visitSteps(loaded.scenario.steps, { start: note, run: note });
  return found;
}

const stemOf = (file: string) => basename(file, extname(file));
const describeStep = ({ step, program }: ProgramStepInfo) => `${step.id} (${step.kind} on ${step.host}: ${program.written})`;

/** The steps that `--program` may name, for messages. */
function idsMessage(loaded: LoadedScenario): string {
  const withIds = programSteps(loaded).filter((info) => info.step.id !== undefined);
  if (withIds.length === 0) {
    return `none of its steps that run a program has an \`id\`; give the step one (e.g. \`id: server\`) to grade its program`;
  }
  return `the steps that run a program: ${withIds.map(describeStep).join(', ')}`;
}

/** Every `--program` id must name a step of the lesson that runs a program file. */
export function checkProgramIds(loaded: LoadedScenario, choices: readonly ProgramChoice[]): void {
  const where = `${loaded.scenario.name} (${shortPath(loaded.file)})`;
  const seen = new Set<string>();
  for (const { id } of choices) {
    if (seen.has(id)) throw new GradingInputError(`--program ${id}=... is given twice; give each step's program once`);
    seen.add(id);
    const steps = programSteps(loaded).filter((info) => info.step.id === id);
    if (steps.length > 0) continue;
    let other: ProgramStep | undefined;
    const note = (step: ProgramStep) => {
      if (step.id === id) other ??= step;
    };
    visitSteps(loaded.scenario.steps, { start: note, run: note });
    const why = other ? `its step '${id}' runs a command, not a program file` : `no step of ${where} has the id '${id}'`;
    throw new GradingInputError(`--program ${id}=...: ${why}; ${idsMessage(loaded)}.`);
  }
}

type Found = Extract<LocalFile, { kind: 'found' }>;

/** A student's program file, checked as a scenario's own program is; a sentence when it cannot be used. */
function findStudentFile(name: string, folder: string): { found: Found } | { missing: true } | { problem: string } {
  const extension = extname(name);
  const location = findLocalFile(name, folder, { roots: [folder], maxBytes: MAX_PROGRAM_BYTES });
  if (location.kind === 'missing') return { missing: true };
  const shown = shortPath(join(folder, name));
  switch (location.kind) {
    case 'found':
      if (!PROGRAM_EXTENSIONS.includes(extension)) return { problem: `${shown}: a program is a .ts, .js or .py file` };
      return { found: location };
    case 'outside':
      return { problem: `${name}: the file must be inside ${shortPath(folder)}` };
    case 'links-outside':
      return { problem: `${shown} leads to ${location.target}, outside ${shortPath(folder)} (through a symbolic link); socklab does not follow it` };
    case 'not-a-file':
      return { problem: `${shown} is ${location.what}; give a regular file` };
    case 'too-large':
      return { problem: `${shown} is ${(location.size / 1024 / 1024).toFixed(1)} MB; a program is at most ${MAX_PROGRAM_BYTES / 1024 / 1024} MB` };
  }
}

/** A program put in the place of a lesson's. */
interface Replacement {
  /** The steps it goes into. */
  matches: (step: ProgramStep, program: FileProgram) => boolean;
  /** How the result names what was replaced: the step id, or the lesson's program. */
  key: string;
  found: Found;
}

/** The lesson with the replacements made, its bundler allowed into `root` (the student's folder). */
function withPrograms(loaded: LoadedScenario, replacements: readonly Replacement[], root: string): LoadedScenario {
  const steps = mapProgramSteps(loaded.scenario.steps, (step) => {
    const program = step.program;
    if (program?.kind !== 'file') return step;
    const replacement = replacements.find((each) => each.matches(step, program));
    if (!replacement) return step;
    const location: ProgramLocation = { ...replacement.found, searched: [dirname(replacement.found.path)] };
    return { ...step, program: { kind: 'file', written: shortPath(replacement.found.path), location, installAs: stemOf(program.written) } };
  });
  return { ...loaded, scenario: { ...loaded.scenario, steps }, programRoots: [...(loaded.programRoots ?? []), root] };
}

const programsOf = (replacements: readonly Replacement[]) => Object.fromEntries(replacements.map((each) => [each.key, each.found.path]));
const byId = (id: string) => (step: ProgramStep) => step.id === id;

/**
 * `socklab test LESSON --program ID=PATH...`: the lesson with each named step's program
 * replaced by PATH (relative to `cwd`; the file's folder is what its imports may read).
 */
export function lessonWithPrograms(loaded: LoadedScenario, choices: readonly ProgramChoice[], cwd = process.cwd()): SuiteEntry {
  checkProgramIds(loaded, choices);
  const replacements = choices.map(({ id, path }): Replacement & { root: string } => {
    const full = resolve(cwd, path);
    const root = dirname(full);
    const file = findStudentFile(basename(full), root);
    if ('missing' in file) throw new GradingInputError(`--program ${id}=${path}: no such file`);
    if ('problem' in file) throw new GradingInputError(`--program ${id}=${path}: ${file.problem}`);
    return { matches: byId(id), key: id, found: file.found, root };
  });
  let lesson = loaded;
  for (const replacement of replacements) lesson = withPrograms(lesson, [replacement], replacement.root);
  return { result: { ...pendingResult(loaded.file, loaded.scenario.name), programs: programsOf(replacements) }, loaded: lesson };
}

/** What replaces what in one student's folder, or why nothing can run. */
function studentReplacements(
  loaded: LoadedScenario,
  folder: string,
  files: readonly string[],
  choices: readonly ProgramChoice[],
): { replacements: Replacement[] } | { status: 'no program' | 'invalid'; issues: string[] } {
  if (choices.length > 0) {
    const replacements: Replacement[] = [];
    const missing: string[] = [];
    const problems: string[] = [];
    for (const { id, path } of choices) {
      const file = findStudentFile(path, folder);
      if ('missing' in file) missing.push(path);
      else if ('problem' in file) problems.push(file.problem);
      else replacements.push({ matches: byId(id), key: id, found: file.found });
    }
    if (problems.length > 0) return { status: 'invalid', issues: problems };
    if (missing.length === choices.length) return { status: 'no program', issues: [`none of the expected files: ${missing.join(', ')}`] };
    if (missing.length > 0) return { status: 'no program', issues: [`missing ${missing.join(', ')} (every --program file is needed)`] };
    return { replacements };
  }
  // The files present decide: one per lesson program, named like it.
  const lessonFiles = new Map<string, FileProgram>(); // stem -> one step's program (its path identifies the rest)
  for (const { program } of programSteps(loaded)) lessonFiles.set(stemOf(program.written), lessonFiles.get(stemOf(program.written)) ?? program);
  const replacements: Replacement[] = [];
  const problems: string[] = [];
  for (const [stem, program] of lessonFiles) {
    const candidates = files.filter((name) => stemOf(name) === stem && PROGRAM_EXTENSIONS.includes(extname(name)));
    if (candidates.length === 0) continue;
    if (candidates.length > 1) {
      problems.push(`${candidates.join(' and ')} both stand for ${program.written}; keep one`);
      continue;
    }
    const file = findStudentFile(candidates[0]!, folder);
    if ('problem' in file) problems.push(file.problem);
    else if ('found' in file) {
      const lessonPath = program.location.kind === 'found' ? program.location.path : program.written;
      const samePath = (candidate: FileProgram) => (candidate.location.kind === 'found' ? candidate.location.path : candidate.written) === lessonPath;
      replacements.push({ matches: (_step, each) => samePath(each), key: program.written, found: file.found });
    }
  }
  if (problems.length > 0) return { status: 'invalid', issues: problems };
  if (replacements.length === 0) {
    const expected = [...lessonFiles.keys()].map((stem) => `${stem}.ts, .js or .py`);
    return { status: 'no program', issues: [`none of the lesson's program files: ${expected.join('; ')}`] };
  }
  return { replacements };
}

/**
 * `socklab test LESSON --students DIR`: one entry per sub-folder of DIR (sorted by name;
 * hidden folders left out), to run, or already decided ('no program', 'invalid').
 */
export async function studentEntries(loaded: LoadedScenario, dir: string, choices: readonly ProgramChoice[] = []): Promise<SuiteEntry[]> {
  checkProgramIds(loaded, choices);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new GradingInputError(`--students ${dir}: ${error.code === 'ENOENT' ? 'no such folder' : error.code === 'ENOTDIR' ? 'not a folder' : error.message}`);
  });
  const students = entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
    .map((entry) => entry.name)
    .sort();
  const result: SuiteEntry[] = [];
  for (const student of students) {
    const base = { ...pendingResult(loaded.file, loaded.scenario.name), student };
    // A student's folder is one of DIR's: a link to elsewhere is refused like a program's.
    const where = findLocalFile(student, dir);
    if (where.kind !== 'not-a-file' || where.what !== 'a folder') {
      if (where.kind === 'links-outside') {
        result.push({
          result: {
            ...base,
            status: 'invalid',
            issues: [`${shortPath(join(dir, student))} leads to ${where.target}, outside ${shortPath(dir)}; socklab does not follow it`],
          },
        });
      }
      continue; // a link to a file: not a student
    }
    const folder = resolve(dir, student);
    const files = (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const decided = studentReplacements(loaded, folder, files, choices);
    if ('status' in decided) {
      result.push({ result: { ...base, status: decided.status, issues: decided.issues } });
      continue;
    }
    result.push({ result: { ...base, programs: programsOf(decided.replacements) }, loaded: withPrograms(loaded, decided.replacements, folder) });
  }
  if (result.length === 0) throw new GradingInputError(`--students ${dir}: no student folders in it (one sub-folder per student, holding their program files)`);
  return result;
}
