// What `validate` adds to the scenario's own checks: every TypeScript and JavaScript program
// of its steps is bundled as a run would bundle it, so a syntax error or an import that
// cannot be found is said at the program's own line and column, before any lab is made.
import { BundleError, ProgramLibrary, type FileProgram } from '../lab/programs.js';
import { resolve } from 'node:path';
import { shortPath } from '../util/paths.js';
import type { ScenarioIssue } from '../scenario/issues.js';
import type { LoadedScenario } from '../scenario/load.js';
import { visitSteps, type ProgramStep } from '../scenario/model.js';

export async function programIssues(loaded: LoadedScenario): Promise<ScenarioIssue[]> {
  const library = new ProgramLibrary(loaded.dir, loaded.programRoots);
  const steps: { step: ProgramStep; program: FileProgram }[] = [];
  const take = (step: ProgramStep) => {
    if (step.program?.kind === 'file' && step.program.location.kind === 'found' && /\.(ts|js)$/.test(step.program.location.path)) {
      steps.push({ step, program: step.program });
    }
  };
  visitSteps(loaded.scenario.steps, { start: take, run: take });
  const reported = new Set<string>();
  const issues = await Promise.all(
    steps.map(async ({ step, program }): Promise<ScenarioIssue | undefined> => {
      const failure = await library.prepare(program).then(
        () => undefined,
        (error: unknown) => error,
      );
      // One issue per program, however many steps run it.
      if (failure === undefined || reported.has(program.written)) return undefined;
      reported.add(program.written);
      const path = [...step.at, 'program'];
      const message = `program '${program.written}' does not build: ${failure instanceof BundleError ? failure.text : String(failure)}; fix it, then validate again.`;
      if (failure instanceof BundleError && failure.at) {
        return { file: shortPath(resolve(failure.at.file)), line: failure.at.line, column: failure.at.column, path: path.join('.'), message, layer: 'program' };
      }
      return { file: loaded.file, ...loaded.source.position(path), path: path.join('.'), message, layer: 'program' };
    }),
  );
  return issues.filter((issue): issue is ScenarioIssue => issue !== undefined);
}
