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
        // A retired key (a `never` that explains itself) is no suggestion for a typo.
        if (!isRetired(child)) into.add(key);
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

function isRetired(schema: unknown): boolean {
  const def = (schema as z.core.$ZodType)._zod.def as unknown as Record<string, unknown>;
  return def.type === 'never' || (def.type === 'optional' && isRetired(def.innerType));
}

function knownKeys(): string[] {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  collect(Scenario, keys, seen);
  for (const step of Object.values(STEP_SCHEMAS)) collect(step, keys, seen);
  return [...keys].sort();
}

export const KNOWN_KEYS: readonly string[] = knownKeys();

type Def = Record<string, unknown> & { type: string };
const defOf = (schema: unknown): Def => (schema as z.core.$ZodType)._zod.def as unknown as Def;

/** Through wrappers (optional, default, ...) to the schema that holds the value. */
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (['optional', 'default', 'nullable', 'readonly', 'prefault'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else return current;
  }
}

function isOptional(schema: unknown): boolean {
  const type = defOf(schema).type;
  return type === 'optional' || type === 'default' || type === 'prefault';
}

/**
 * Of a union's options, the one the written value was meant for, with how well it fits: a
 * list for a list; for a mapping, the object option sharing most of its keys, less the
 * required keys it lacks (`expect:` alone is an expect step, not a run step, which also
 * has `expect` but needs `run`).
 */
function chooseOption(options: readonly unknown[], value: unknown): { option: unknown; fit: number } | undefined {
  if (Array.isArray(value)) {
    const list = options.find((option) => defOf(unwrap(option)).type === 'array');
    return list ? { option: list, fit: 0 } : undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  let best: { option: unknown; fit: number } | undefined;
  for (const option of options) {
    const def = defOf(unwrap(option));
    let candidate: { option: unknown; fit: number } | undefined;
    if (def.type === 'union') candidate = chooseOption(def.options as unknown[], value);
    else if (def.type === 'object') {
      const shape = def.shape as Record<string, unknown>;
      const shared = Object.keys(value).filter((key) => key in shape).length;
      const missing = Object.entries(shape).filter(([key, child]) => !(key in value) && !isOptional(child)).length;
      candidate = { option, fit: shared - missing };
    }
    if (candidate && (!best || candidate.fit > best.fit)) best = candidate;
  }
  return best;
}

/**
 * The keys allowed in the mapping at `path` of the written scenario `root`, following the
 * value through unions, so a typo is answered with a key that belongs there. Undefined
 * when the path leads nowhere the schema describes.
 */
export function keysAt(path: readonly (string | number)[], root: unknown): string[] | undefined {
  let schema: unknown = Scenario;
  let value: unknown = root;
  for (let i = 0; ; i++) {
    schema = unwrap(schema);
    let def = defOf(schema);
    if (def.type === 'union') {
      schema = chooseOption(def.options as unknown[], value)?.option;
      if (!schema) return undefined;
      schema = unwrap(schema);
      def = defOf(schema);
    }
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape as object) : undefined;
    const segment = path[i]!;
    if (def.type === 'object') schema = (def.shape as Record<string, unknown>)[segment];
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'array') schema = def.element;
    else return undefined;
    if (!schema) return undefined;
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[segment as string] : undefined;
  }
}
