// Exit codes and the one place that maps errors to them (used by every command).
import { EngineError } from '../runtime/runtime.js';
import { describeError } from '../session/errors.js';
import { ScenarioError, formatIssue } from '../scenario/issues.js';
import { LabSelectionError } from '../lab/selection-error.js';
import { say } from './interrupts.js';

export { describeError };

export const EXIT = {
  ok: 0,
  /** An expectation failed or a step could not be carried out. */
  failed: 1,
  /** Bad input: the scenario or the command line. */
  invalid: 2,
  /** The engine or the lab image is unavailable, or the engine refused. */
  environment: 3,
} as const;
// Interrupted commands exit with the shell's codes: see INTERRUPTED_EXIT in interrupts.ts.

/** A mistake on the command line (a missing argument, a value out of range). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit code an error means. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ScenarioError || error instanceof LabSelectionError || error instanceof UsageError) return EXIT.invalid;
  if (error instanceof EngineError) return EXIT.environment;
  return EXIT.failed;
}

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(error: unknown, write: (text: string) => void = say): number {
  if (error instanceof ScenarioError) {
    for (const issue of error.issues) write(`${formatIssue(issue)}\n`);
    write(`${error.issues.length} problem(s) found; nothing was created.\n`);
    return EXIT.invalid;
  }
  write(`socklab: ${describeError(error)}\n`);
  if (process.env.SOCKLAB_DEBUG && error instanceof Error) write(`${error.stack}\n`);
  return exitCodeOf(error);
}
