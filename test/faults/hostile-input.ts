// Input no one should write, and input a random hand would: every invalid fixture, and
// hundreds of seeded mutations of the bundled lessons (lines deleted, duplicated, swapped or
// re-indented, values replaced by odd numbers, addresses, paths out of the folder, bytes that
// are not text, YAML tricks). Each goes through `socklab run`: it must end with one of the
// README's exit codes, never with a stack trace, and leave no engine object behind. Mutations
// that are still valid scenarios run as labs and must be torn down like any other.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/helpers.js';
import { crashed, leftoversAfter, random, runSocklab, scratch, type Section } from './common.js';

type Rng = ReturnType<typeof random>;
type Mutation = (lines: string[], rng: Rng) => string[];

const ODD_NUMBERS = ['0', '-1', '1', '65535', '65536', '99999999999', '1.5', '3600', '2', '1e309', '0x10'];
// Only private and documentation ranges: a mutated lesson that still runs talks to its own hosts.
const ODD_ADDRESSES = ['10.0.0.1', '192.168.0.300', '203.0.113.0', '0.0.0.0', '255.255.255.255', '10.10.10.67', '192.0.2.1', '10.0.0.0/8', '::1'];
const ODD_VALUES = [
  '',
  '~',
  '[]',
  '{}',
  "'../../../etc/passwd'",
  '/etc/shadow',
  'programs/../../../../etc/passwd',
  '"\\u0000"',
  'yes',
  '&anchor x',
  '*anchor',
  `"${'long '.repeat(3000)}"`,
  '!!binary aGVsbG8=',
  'SIGKILL',
  'ESTABLISHED',
  '"-1s"',
  '{ memory: 1k, pids: 1, cpus: 1000 }',
];
const ODD_KEYS = [
  'limits: { memory: 40m, pids: 40 }',
  'role: router',
  'image: socklab-lab:nope',
  'files: [../package.json]',
  'gateway: 10.0.0.1',
  'wait_for: { port: 0 }',
  'timeout: 0',
  'signal: SIGSTOP',
  'steps: []',
  '<<: *anchor',
];

const lineAt = (lines: string[], rng: Rng) => rng.int(Math.max(1, lines.length));

const MUTATIONS: Record<string, Mutation> = {
  'delete a line': (lines, rng) => lines.filter((_, index) => index !== lineAt(lines, rng)),
  'duplicate a line': (lines, rng) => {
    const at = lineAt(lines, rng);
    return [...lines.slice(0, at + 1), lines[at] ?? '', ...lines.slice(at + 1)];
  },
  'swap two lines': (lines, rng) => {
    const copy = [...lines];
    const [a, b] = [lineAt(lines, rng), lineAt(lines, rng)];
    [copy[a], copy[b]] = [copy[b] ?? '', copy[a] ?? ''];
    return copy;
  },
  're-indent a line': (lines, rng) =>
    lines.map((line, index) => (index === lineAt(lines, rng) ? (rng.next() < 0.5 ? `  ${line}` : line.replace(/^ {1,2}/, '')) : line)),
  'truncate the file': (lines, rng) => lines.slice(0, lineAt(lines, rng)),
  'replace a number': (lines, rng) => {
    const at = lineAt(lines, rng);
    return lines.map((line, index) => (index === at ? line.replace(/\b\d+(\.\d+)?\b/, rng.pick(ODD_NUMBERS)) : line));
  },
  'replace an address': (lines, rng) => {
    const at = lines.findIndex((line, index) => index >= lineAt(lines, rng) && /\d+\.\d+\.\d+\.\d+/.test(line));
    return lines.map((line, index) => (index === at ? line.replace(/\d+\.\d+\.\d+\.\d+(\/\d+)?/, rng.pick(ODD_ADDRESSES)) : line));
  },
  'replace a value': (lines, rng) => {
    const at = lineAt(lines, rng);
    return lines.map((line, index) => (index === at ? line.replace(/:\s+.*$/, `: ${rng.pick(ODD_VALUES)}`) : line));
  },
  'add a key': (lines, rng) => {
    const at = lineAt(lines, rng);
    const indent = /^\s*/.exec(lines[at] ?? '')![0];
    return [...lines.slice(0, at + 1), `${indent}${rng.pick(ODD_KEYS)}`, ...lines.slice(at + 1)];
  },
  'insert bytes that are not text': (lines, rng) => {
    const at = lineAt(lines, rng);
    return lines.map((line, index) => (index === at ? `${line}${rng.pick(['\u0000', '\t', '\uFFFF', '\x1b[31m', '\r'])}` : line));
  },
  'point a program or file out of the folder': (lines, rng) =>
    lines.map((line) =>
      rng.next() < 0.5 ? line.replace(/program: .*/, 'program: ../../../etc/passwd.py') : line.replace(/files: .*/, 'files: [/etc/hostname]'),
    ),
  'add a second document': (lines) => [...lines, '---', 'name: second'],
};

/** A random lesson with one to three random mutations, written out; its name and what was done. */
function mutant(index: number, lessons: { name: string; text: string }[], rng: Rng): { file: string; what: string } {
  const lesson = rng.pick(lessons);
  let lines = lesson.text.split('\n');
  const names: string[] = [];
  for (let count = 1 + rng.int(3); count > 0; count -= 1) {
    const name = rng.pick(Object.keys(MUTATIONS));
    names.push(name);
    lines = MUTATIONS[name]!(lines, rng);
  }
  const file = join(scratch, `mutant-${index}.yaml`);
  // Mutants live in a folder of their own, so they name programs through `programs/...` as lessons do.
  writeFileSync(file, lines.join('\n'));
  return { file, what: `${lesson.name}: ${names.join(', ')}` };
}

interface Tally {
  cases: number;
  exits: Map<string, number>;
  crashes: number;
  leftovers: number;
}

async function tryInput(file: string, tally: Tally, log: (line: string) => void, what: string): Promise<void> {
  const result = await runSocklab(['run', '--out', join(scratch, 'runs'), file], { timeoutMs: 120_000 });
  tally.cases += 1;
  const exit = String(result.code ?? 'killed');
  tally.exits.set(exit, (tally.exits.get(exit) ?? 0) + 1);
  const acceptable = [0, 1, 2, 3, 130].includes(result.code ?? -1);
  const crash = crashed(result.output) || !acceptable;
  if (crash) tally.crashes += 1;
  // A run refused at validation made nothing; host rules need a network first.
  const madeSomething = /creating \d+ network/.test(result.output);
  const left = await leftoversAfter(0, { rules: madeSomething });
  if (left.length > 0) {
    tally.leftovers += 1;
    await leftoversAfter(30_000);
  }
  if (crash || left.length > 0) log(`input: ${what}: exit ${exit}${left.length ? `, left ${left.join(', ')}` : ''}\n${result.output.slice(-1500)}`);
}

const histogram = (exits: Map<string, number>) =>
  [...exits.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code}: ${count}`)
    .join(', ');

export async function hostileInput(options: { mutations: number; seed: number; log: (line: string) => void }): Promise<Section> {
  const rng = random(options.seed);
  const corpus = join(ROOT, 'test/fixtures/invalid');
  const fixtures = readdirSync(corpus)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  const lessonsDir = join(ROOT, 'scenarios');
  const lessons = readdirSync(lessonsDir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, text: readFileSync(join(lessonsDir, name), 'utf8') }));

  const invalid: Tally = { cases: 0, exits: new Map(), crashes: 0, leftovers: 0 };
  for (const name of fixtures) await tryInput(join(corpus, name), invalid, options.log, name);
  options.log(`input: ${invalid.cases} invalid fixtures: exits ${histogram(invalid.exits)}`);

  const mutated: Tally = { cases: 0, exits: new Map(), crashes: 0, leftovers: 0 };
  for (let index = 0; index < options.mutations; index += 1) {
    const { file, what } = mutant(index, lessons, rng);
    await tryInput(file, mutated, options.log, `mutant ${index} (${what})`);
    if ((index + 1) % 50 === 0) options.log(`input: ${index + 1}/${options.mutations} mutations: exits ${histogram(mutated.exits)}`);
  }
  const row = (kind: string, tally: Tally) => [kind, String(tally.cases), histogram(tally.exits), String(tally.crashes), String(tally.leftovers)];
  return {
    title: 'Hostile input',
    about:
      'Every fixture of `test/fixtures/invalid/` and seeded random mutations of the bundled lessons, each through `socklab run`. ' +
      '"exits" counts socklab\'s exit codes (2: invalid, found before anything was made; 0 or 1: the mutant was still a scenario and ran; 130: stopped after 120 s). ' +
      '"crashes" counts stack traces and exit codes outside the README\'s table; "leftovers" counts runs after which any engine object remained.',
    columns: ['input', 'cases', 'exits', 'crashes', 'leftovers'],
    rows: [row('invalid fixtures', invalid), row('mutated lessons', mutated)],
    zeroColumns: ['crashes', 'leftovers'],
  };
}
