// The editor's JSON Schema (draft-07), generated from the zod source in schema.ts so the two
// cannot disagree. scripts/write-schema.ts writes it to schema/scenario.schema.json; a unit
// test fails when the committed file differs from a fresh generation.
import { z } from 'zod';
import { Scenario } from './schema.js';

/** Formats zod names that draft-07 does not define; the pattern beside them says the same. */
const NON_STANDARD_FORMATS = new Set(['cidrv4']);

export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Scenario, {
    target: 'draft-7',
    // The file as written: keys with defaults (role, protocol) are optional there.
    io: 'input',
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.format === 'string' && NON_STANDARD_FORMATS.has(jsonSchema.format)) delete jsonSchema.format;
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return nameDefinitions({
    $schema,
    title: 'socklab scenario',
    description: 'A socklab lab: isolated networks, hosts with fixed addresses, and the steps of a lesson. See docs/scenario-format.md.',
    ...rest,
  });
}

/**
 * zod names the one recursive definition (a capture step holds steps) `__schema0`; an editor
 * shows definition names, so give it the name of what it is.
 */
function nameDefinitions(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, { items?: { $ref?: string } }>;
  const ref = properties.steps?.items?.$ref;
  const match = ref ? /^#\/definitions\/(.+)$/.exec(ref) : null;
  if (!match || match[1] === 'step') return schema;
  const text = JSON.stringify(schema)
    .split(JSON.stringify(`#/definitions/${match[1]}`))
    .join(JSON.stringify('#/definitions/step'));
  const renamed = JSON.parse(text) as Record<string, unknown> & { definitions: Record<string, unknown> };
  const { [match[1]!]: step, ...others } = renamed.definitions;
  renamed.definitions = { step, ...others };
  return renamed;
}

/** The committed file's text: stable key order, two-space indent, final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
