// The editor's JSON Schema: committed, current, and in agreement with the zod source it is
// generated from: it accepts every lesson in scenarios/ and every scenario the rules layer
// sees, and rejects the corpus's schema mistakes (all but those only code can check).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_FILE = join(ROOT, 'schema/scenario.schema.json');
const CORPUS = join(ROOT, 'test/fixtures/invalid');
const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, { layer: string }>;

/**
 * Schema-layer mistakes that zod catches in code (superRefine) and a JSON Schema pattern
 * cannot: numbers inside 'address:port' strings, a memory size below 32 MB. The editor misses
 * these; socklab does not.
 */
const CODE_ONLY_CHECKS = new Set([
  'schema-address-pattern-bad-octet.yaml',
  'schema-address-wildcard-octet-too-large.yaml',
  'schema-port-forward-target-bad-port.yaml',
  'schema-limits-memory-too-small.yaml',
]);

// Strict mode: any keyword ajv does not know (a typo in generation) fails compilation.
// `ipv4` is declared known-but-unchecked: the generated `pattern` beside it checks the same;
// `type: [string, number, boolean]` (env values) is plain draft-07, which strict mode questions.
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, formats: { ipv4: true } });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
const errorsOf = (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
const yamlOf = (file: string) => parse(readFileSync(file, 'utf8'), { maxAliasCount: 100 }) as unknown;

describe('schema/scenario.schema.json', () => {
  it('is current: equal to a fresh generation from src/scenario/schema.ts (run `npm run schema` if not)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('is draft-07, titled, without $id, and closed: every object forbids unknown keys', () => {
    const schema = scenarioJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBeTruthy();
    expect(schema).not.toHaveProperty('$id');
    const open: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${where}/${i}`));
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.type === 'object' && record.properties && record.additionalProperties !== false) open.push(where);
      for (const [key, child] of Object.entries(record)) walk(child, `${where}/${key}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  it('constrains values, not just keys', () => {
    const base = { name: 'v3-json', networks: { lan: { subnet: '10.92.0.0/24' } }, hosts: { server: { networks: { lan: '10.92.0.10' } } } };
    expect(errorsOf(base)).toEqual([]);
    expect(errorsOf({ ...base, extra: 1 })).not.toEqual([]);
    expect(errorsOf({ ...base, networks: { lan: { subnet: '10.92.0.0/33' } } })).not.toEqual([]);
    expect(errorsOf({ ...base, hosts: { server: { networks: { lan: '10.92.0.256' } } } })).not.toEqual([]);
    expect(errorsOf({ ...base, hosts: {} })).not.toEqual([]);
    expect(errorsOf({ ...base, steps: [{ sleep: '10 sec' }] })).not.toEqual([]);
    expect(errorsOf({ ...base, steps: [{ expect: { listening: { host: 'server', port: 70000 } } }] })).not.toEqual([]);
    // Recursion through capture steps reaches the same step definition.
    expect(errorsOf({ ...base, steps: [{ capture: { host: 'server' }, steps: [{ sleep: 1, extra: 1 }] }] })).not.toEqual([]);
  });

  it('accepts every scenario in scenarios/', () => {
    const files = readdirSync(join(ROOT, 'scenarios')).filter((name) => /\.ya?ml$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect({ name, errors: errorsOf(yamlOf(join(ROOT, 'scenarios', name))) }).toEqual({ name, errors: [] });
  });

  it('agrees with zod on the corpus: accepts what reaches the rules, rejects schema mistakes', () => {
    const rows = Object.entries(expected);
    const schemaMistakes = rows.filter(([name, row]) => row.layer === 'schema' && !CODE_ONLY_CHECKS.has(name)).map(([name]) => name);
    const ruleMistakes = rows.filter(([, row]) => row.layer === 'rules').map(([name]) => name);
    expect(schemaMistakes.length).toBeGreaterThan(20);
    for (const name of ruleMistakes) expect({ name, errors: errorsOf(yamlOf(join(CORPUS, name))) }).toEqual({ name, errors: [] });
    for (const name of schemaMistakes) expect({ name, rejected: errorsOf(yamlOf(join(CORPUS, name))).length > 0 }).toEqual({ name, rejected: true });
    for (const name of CODE_ONLY_CHECKS) expect(expected[name]?.layer).toBe('schema');
  });
});
