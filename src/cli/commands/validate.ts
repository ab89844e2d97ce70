// `socklab validate FILE...`: every issue of every file, its programs built as a run builds
// them and type-checked as tsc would; the engine is asked only what a scenario needs of it
// (netem, for delay and jitter).
import { checkScenarioFile, type LoadedScenario } from '../../scenario/load.js';
import { programIssues } from '../../session/check-programs.js';
import { engineIssues } from '../../session/check-engine.js';
import { typeIssues } from '../../session/type-check.js';
import { formatIssue, type ScenarioIssue } from '../../scenario/issues.js';
import { EXIT } from '../errors.js';

export async function validateCommand(files: string[], options: { json?: boolean }): Promise<number> {
  const results: { file: string; valid: boolean; issues: ScenarioIssue[] }[] = [];
  const loaded: { result: (typeof results)[number]; scenario: LoadedScenario }[] = [];
  for (const file of files) {
    const result = await checkScenarioFile(file);
    let issues: ScenarioIssue[];
    if (result.ok) {
      const [programs, engine] = await Promise.all([programIssues(result.loaded), engineIssues(result.loaded)]);
      if (engine.note) process.stderr.write(`note: ${engine.note}\n`);
      issues = [...programs, ...engine.issues];
    } else {
      issues = result.issues;
    }
    const entry = { file, valid: issues.length === 0, issues };
    results.push(entry);
    if (result.ok) loaded.push({ result: entry, scenario: result.loaded });
  }
  // Every TypeScript program of every file in one check; a program that does not even build
  // has said so already.
  const typed = await typeIssues(loaded.map(({ scenario }) => scenario));
  for (const { result, scenario } of loaded) {
    const notBuilt = new Set(result.issues.filter((issue) => issue.layer === 'program').map((issue) => issue.path));
    const more = (typed.get(scenario.file) ?? []).filter((issue) => !notBuilt.has(issue.path));
    result.issues.push(...more);
    result.valid = result.issues.length === 0;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const result of results) {
      if (result.valid) process.stdout.write(`${result.file}: valid\n`);
      for (const issue of result.issues) process.stdout.write(`${formatIssue(issue)}\n`);
    }
  }
  return results.every((result) => result.valid) ? EXIT.ok : EXIT.invalid;
}
