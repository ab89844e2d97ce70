// Exit codes and the one place that maps errors to them (used by every command).
import { EngineUnavailableError } from '../runtime/runtime.js';
import { ScenarioError, formatIssue } from '../scenario/issues.js';

export const EXIT = {
  ok: 0,
  /** An expectation failed or a step could not be carried out. */
  failed: 1,
  /** Bad input: the scenario or the command line. */
  invalid: 2,
  /** The engine or the lab image is unavailable. */
  environment: 3,
} as const;
// Interrupted commands exit with the shell's codes: see INTERRUPTED_EXIT in context.ts.

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(error: unknown, write: (text: string) => void = (text) => process.stderr.write(text)): number {
  if (error instanceof ScenarioError) {
    for (const issue of error.issues) write(`${formatIssue(issue)}\n`);
    write(`${error.issues.length} problem(s) found; nothing was created.\n`);
    return EXIT.invalid;
  }
  if (error instanceof EngineUnavailableError) {
    write(`socklab: ${error.message}\n`);
    return EXIT.environment;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`socklab: ${message}\n`);
  if (process.env.SOCKLAB_DEBUG && error instanceof Error) write(`${error.stack}\n`);
  return EXIT.failed;
}
