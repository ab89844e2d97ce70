// `validate` type-checks a scenario's TypeScript programs, as a person would with `tsc`:
// strict, with Node's types, resolving imports as the bundler does (from the program's folder,
// so the scenario folder's node_modules serve its npm packages). All the programs of one
// validate are checked in one TypeScript program, so shared files (Node's types, a lesson
// library) are read once. Errors are issues at the program's own file, line and column.
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import type { ScenarioIssue } from '../scenario/issues.js';
import { shortPath } from '../util/paths.js';
import type { LoadedScenario } from '../scenario/load.js';
import { visitSteps, type ProgramStep } from '../scenario/model.js';

/** At most this many type errors are reported per program; the rest are counted. */
const SHOWN_PER_PROGRAM = 10;

/** Every TypeScript program file the scenarios' steps run, with where each is first written. */
function typeScriptPrograms(scenarios: readonly LoadedScenario[]): Map<string, { loaded: LoadedScenario; step: ProgramStep; written: string }> {
  const found = new Map<string, { loaded: LoadedScenario; step: ProgramStep; written: string }>();
  for (const loaded of scenarios) {
    const take = (step: ProgramStep) => {
      const program = step.program;
      if (program?.kind !== 'file' || program.location.kind !== 'found' || !program.location.path.endsWith('.ts')) return;
      if (!found.has(program.location.path)) found.set(program.location.path, { loaded, step, written: program.written });
    };
    visitSteps(loaded.scenario.steps, { start: take, run: take });
  }
  return found;
}

/** The type errors of every TypeScript program of `scenarios`, by scenario file. */
export async function typeIssues(scenarios: readonly LoadedScenario[]): Promise<Map<string, ScenarioIssue[]>> {
  const byScenario = new Map<string, ScenarioIssue[]>();
  const programs = typeScriptPrograms(scenarios);
  if (programs.size === 0) return byScenario;
  // Loaded only when there is something to check: it is most of validate's start-up otherwise.
  const ts = (await import('typescript')).default;
  const nodeTypes = dirname(dirname(createRequire(import.meta.url).resolve('@types/node/package.json')));
  const program = ts.createProgram([...programs.keys()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    types: ['node'],
    typeRoots: [nodeTypes],
  });
  const counted = new Map<string, number>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (!diagnostic.file) continue;
    // A program's error is said once, at the program that first imports the file it is in.
    const owner = programs.get(resolve(diagnostic.file.fileName)) ?? ownerOf(diagnostic.file.fileName, programs);
    if (!owner) continue;
    const shown = counted.get(owner.written) ?? 0;
    counted.set(owner.written, shown + 1);
    if (shown >= SHOWN_PER_PROGRAM) continue;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ').replace(/\s+/g, ' ');
    const issues = byScenario.get(owner.loaded.file) ?? [];
    issues.push({
      file: shortPath(resolve(diagnostic.file.fileName)),
      line: line + 1,
      column: character + 1,
      path: [...owner.step.at, 'program'].join('.'),
      message: `program '${owner.written}' does not type-check: TS${diagnostic.code}: ${text}`,
      layer: 'program',
    });
    byScenario.set(owner.loaded.file, issues);
  }
  for (const [written, total] of counted) {
    if (total <= SHOWN_PER_PROGRAM) continue;
    const owner = [...programs.values()].find((program) => program.written === written)!;
    byScenario.get(owner.loaded.file)!.push({
      file: owner.loaded.file,
      ...owner.loaded.source.position([...owner.step.at, 'program']),
      path: [...owner.step.at, 'program'].join('.'),
      message: `program '${written}' has ${total - SHOWN_PER_PROGRAM} more type errors; run tsc on it to see them all.`,
      layer: 'program',
    });
  }
  return byScenario;
}

/** The program a file it imports belongs to: the one in whose folder (or below) it lies, else the first. */
function ownerOf(file: string, programs: Map<string, { loaded: LoadedScenario; step: ProgramStep; written: string }>) {
  const path = resolve(file);
  if (path.split(sep).includes('node_modules')) return undefined; // a package's own types: not the student's to fix
  for (const [programPath, owner] of programs) if (!relative(dirname(programPath), path).startsWith('..')) return owner;
  return programs.values().next().value;
}
