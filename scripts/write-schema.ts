// Writes schema/scenario.schema.json from the zod source (npm run schema). Commit the result:
// editors read it through the `# yaml-language-server: $schema=...` line of each scenario,
// and test/unit/scenario-json-schema.test.ts fails while it is stale.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from '../src/scenario/json-schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../schema/scenario.schema.json', import.meta.url));

mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
writeFileSync(SCHEMA_FILE, scenarioJsonSchemaText());
process.stdout.write(`wrote ${relative(process.cwd(), SCHEMA_FILE)}\n`);
