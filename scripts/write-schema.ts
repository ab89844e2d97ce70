// Writes the JSON Schemas from their zod sources (npm run schema). Commit the results:
// schema/scenario.schema.json is what editors read through the `# yaml-language-server:
// $schema=...` line of each scenario; schema/results.schema.json describes report.json and
// `socklab run --json`. Unit tests fail while either is stale.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from '../src/scenario/json-schema.js';
import { resultsJsonSchemaText } from '../src/report/results.js';

const SCHEMAS = {
  'scenario.schema.json': scenarioJsonSchemaText(),
  'results.schema.json': resultsJsonSchemaText(),
};

for (const [name, text] of Object.entries(SCHEMAS)) {
  const file = fileURLToPath(new URL(`../schema/${name}`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}
