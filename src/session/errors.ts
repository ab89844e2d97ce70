// Errors in words a user can act on: what the commands print, and what `socklab test`
// records for a run that stopped (its JSON and JUnit reports carry the same words).
import { EngineError, EngineTimeoutError, EngineUnavailableError } from '../runtime/runtime.js';

/** The error in words a user can act on. */
export function describeError(error: unknown): string {
  if (error instanceof EngineUnavailableError) return error.message;
  if (error instanceof EngineTimeoutError) return `${error.operation}: ${error.engineMessage}.`;
  if (error instanceof EngineError) {
    return `the engine refused ${error.operation}: ${error.engineMessage}. If this persists, 'socklab doctor' checks the engine and what socklab left on it.`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The engine failed (unreachable, refused, timed out), not the lesson. */
export const isEngineFailure = (error: unknown): boolean => error instanceof EngineError;
