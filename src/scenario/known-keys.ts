// Every key the scenario format knows, read from the schema itself, so that a typo such as
// `progam` can be answered with "did you mean 'program'?" without a second list to keep.
import { z } from 'zod';
import { Scenario, STEP_SCHEMAS } from './schema.js';

function collect(schema: z.core.$ZodType, into: Set<string>, seen: Set<unknown>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const visit = (child: unknown) => {
    if (child && typeof child === 'object' && '_zod' in child) collect(child as z.core.$ZodType, into, seen);
  };
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
        into.add(key);
        visit(child);
      }
      break;
    case 'union':
      (def.options as unknown[]).forEach(visit);
      break;
    case 'array':
      visit(def.element);
      break;
    case 'record':
      visit(def.valueType);
      break;
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
    case 'pipe':
      visit(def.innerType ?? def.in);
      break;
  }
}

function knownKeys(): string[] {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  collect(Scenario, keys, seen);
  for (const step of Object.values(STEP_SCHEMAS)) collect(step, keys, seen);
  return [...keys].sort();
}

export const KNOWN_KEYS: readonly string[] = knownKeys();
