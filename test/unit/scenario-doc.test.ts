// docs/scenario-format.md cannot drift from the format: every ```yaml block in it is a whole
// scenario that passes the real validator (as if saved in docs/), and together the examples
// use every key, step kind and observation view the schema knows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkScenarioText } from '../../src/scenario/load.js';
import { formatIssue } from '../../src/scenario/issues.js';
import { KNOWN_KEYS } from '../../src/scenario/known-keys.js';
import { OBSERVATIONS, STEP_KINDS, TCP_STATES } from '../../src/scenario/schema.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const DOC = join(DOCS, 'scenario-format.md');
const text = readFileSync(DOC, 'utf8');

interface Example {
  /** Line of the doc where the YAML starts (after the fence). */
  line: number;
  yaml: string;
}

function yamlBlocks(markdown: string): Example[] {
  const blocks: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```yaml') continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    blocks.push({ line: i + 2, yaml: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

const examples = yamlBlocks(text);

/** Every mapping key used anywhere in a parsed YAML value. */
function keysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => keysIn(item, into));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.add(key);
      keysIn(child, into);
    }
  }
  return into;
}

describe('docs/scenario-format.md', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples.map((example) => [example.line, example] as const))('the example at line %i validates', (_, example) => {
    // Issues are reported at the doc's own lines, so a failure points into the doc.
    const result = checkScenarioText(join(DOCS, `example-at-line-${example.line}.yaml`), Buffer.from(example.yaml));
    const issues = result.ok
      ? []
      : result.issues.map((issue) => formatIssue({ ...issue, file: 'docs/scenario-format.md', line: issue.line + example.line - 1 }));
    expect(issues).toEqual([]);
  });

  it('uses every key of the format in some example', () => {
    const used = new Set<string>();
    for (const example of examples) keysIn(parse(example.yaml), used);
    expect(KNOWN_KEYS.filter((key) => !used.has(key))).toEqual([]);
  });

  it('shows every step kind and every observation view in an example, and names every TCP state', () => {
    const parsed = examples.map((example) => parse(example.yaml) as { steps?: unknown[] });
    const used = new Set<string>();
    for (const scenario of parsed) keysIn(scenario.steps ?? [], used);
    expect(STEP_KINDS.filter((kind) => !used.has(kind))).toEqual([]);
    const shown = new Set(
      examples.flatMap((example) => [...example.yaml.matchAll(/show: \[([^\]]*)\]/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()))),
    );
    expect(OBSERVATIONS.filter((view) => !shown.has(view))).toEqual([]);
    expect(TCP_STATES.filter((state) => !text.includes(`\`${state}\``))).toEqual([]);
  });
});
