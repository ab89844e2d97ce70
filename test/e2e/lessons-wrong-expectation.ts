// Makes a deliberately wrong copy of a lesson: one of its expectations is altered so that
// it can no longer hold, everything else stays as it is. Used by lessons.test.ts to show
// that every lesson's checks can fail, and fail for the right reason.
//
// Generic on purpose: it walks any scenario's steps (run/wait/stop expectations, expect
// steps, inside parallel and capture blocks), so a lesson added to scenarios/ is covered
// without writing anything for it. Which kind of expectation is altered rotates from
// lesson to lesson (text, regex, listening port, connection address, exit code, process,
// NAT translation), so the suite exercises every kind of check at least once.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument, type Document } from 'yaml';

/** Text no lesson program ever prints: an expectation that needs it cannot hold. */
const MARK = ' <wrong on purpose>';
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;

export const ALTERATION_KINDS = ['text', 'regex', 'listening', 'connection', 'exit', 'process', 'translation'] as const;
export type AlterationKind = (typeof ALTERATION_KINDS)[number];

type Path = (string | number)[];

export interface Alteration {
  kind: AlterationKind;
  /** What was changed, for the test's name and messages. */
  description: string;
  /** Fragments the failing verdict line printed by `socklab run` must contain. */
  failureFragments: string[];
}

interface Site {
  kind: AlterationKind;
  apply(doc: Document): Alteration;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An address no host of the scenario uses, in the same /24 as `ip`. */
function unusedNeighbour(ip: string, used: Set<string>): string {
  const prefix = ip.split('.').slice(0, 3).join('.');
  for (let last = 250; last > 1; last -= 1) {
    const candidate = `${prefix}.${last}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new Error(`no unused address next to ${ip}`);
}

/** Sites in an output expectation ({ exit, stdout, stderr }) found at `path`. */
function outputSites(spec: Json, path: Path, used: Set<string>, sites: Site[]): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = spec[stream];
    if (typeof text === 'string') {
      sites.push(textSite([...path, stream], text, stream, used));
    } else if (isObject(text)) {
      const contains = text.contains;
      if (typeof contains === 'string') sites.push(textSite([...path, stream, 'contains'], contains, stream, used));
      if (Array.isArray(contains) && typeof contains[0] === 'string') sites.push(textSite([...path, stream, 'contains', 0], contains[0], stream, used));
      if (typeof text.regex === 'string') sites.push(regexSite([...path, stream, 'regex'], text.regex, stream));
    }
  }
  if (typeof spec.exit === 'number') {
    const exit = spec.exit;
    sites.push({
      kind: 'exit',
      apply: (doc) => {
        doc.setIn([...path, 'exit'], exit + 1);
        return { kind: 'exit', description: `exit ${exit} -> ${exit + 1}`, failureFragments: [`exit code was ${exit}, expected ${exit + 1}`] };
      },
    });
  }
}

/**
 * An expected text made wrong: a lab host's address in it becomes an address no host has
 * (the mistake a lesson author would make); text without one gets MARK appended.
 */
function textSite(path: Path, needle: string, stream: string, used: Set<string>): Site {
  return {
    kind: 'text',
    apply: (doc) => {
      const hostAddress = (needle.match(IPV4) ?? []).find((ip) => used.has(ip));
      const altered = hostAddress ? needle.replace(hostAddress, unusedNeighbour(hostAddress, used)) : `${needle}${MARK}`;
      doc.setIn(path, altered);
      return {
        kind: 'text',
        description: `${stream} must contain ${JSON.stringify(altered)}`,
        failureFragments: [`${stream} does not contain ${JSON.stringify(altered)}`],
      };
    },
  };
}

function regexSite(path: Path, regex: string, stream: string): Site {
  return {
    kind: 'regex',
    apply: (doc) => {
      const altered = `${regex}${MARK}`;
      doc.setIn(path, altered);
      return { kind: 'regex', description: `${stream} must match /${altered}/`, failureFragments: [`${stream} does not match /${altered}/`] };
    },
  };
}

function expectationSites(expectation: unknown, path: Path, used: Set<string>, sites: Site[]): void {
  if (!isObject(expectation)) return;
  if (isObject(expectation.output)) outputSites(expectation.output, [...path, 'output'], used, sites);
  if (isObject(expectation.listening) && typeof expectation.listening.port === 'number') {
    const { port, protocol } = expectation.listening;
    sites.push({
      kind: 'listening',
      apply: (doc) => {
        // Port 1 (tcpmux): no lesson listens there.
        doc.setIn([...path, 'listening', 'port'], 1);
        return {
          kind: 'listening',
          description: `listening on port 1 instead of ${port}`,
          failureFragments: [`listening on *:1/${typeof protocol === 'string' ? protocol : 'tcp'}`, 'nothing listens there'],
        };
      },
    });
  }
  if (isObject(expectation.connection)) {
    const { remote } = expectation.connection;
    const ip = typeof remote === 'string' ? remote.split(':')[0] : undefined;
    if (ip && ip !== '*') {
      sites.push({
        kind: 'connection',
        apply: (doc) => {
          const altered = `${unusedNeighbour(ip, used)}:${(remote as string).split(':')[1]}`;
          doc.setIn([...path, 'connection', 'remote'], altered);
          return {
            kind: 'connection',
            description: `connection to ${altered} instead of ${remote as string}`,
            failureFragments: [`<-> ${altered}`, 'no such connection'],
          };
        },
      });
    }
  }
  if (isObject(expectation.process) && typeof expectation.process.running === 'string') {
    const name = expectation.process.running;
    sites.push({
      kind: 'process',
      apply: (doc) => {
        const altered = `${name}${MARK}`;
        doc.setIn([...path, 'process', 'running'], altered);
        return { kind: 'process', description: `process '${altered}' running`, failureFragments: [`process '${altered}' running`, 'no process matches'] };
      },
    });
  }
  if (isObject(expectation.translation)) {
    const field = (['src_after', 'dst_after', 'src', 'dst'] as const).find((key) => {
      const value = (expectation.translation as Json)[key];
      return typeof value === 'string' && !value.startsWith('*');
    });
    if (field) {
      const value = expectation.translation[field] as string;
      sites.push({
        kind: 'translation',
        apply: (doc) => {
          const altered = `${unusedNeighbour(value.split(':')[0]!, used)}:${value.split(':')[1]}`;
          doc.setIn([...path, 'translation', field], altered);
          return {
            kind: 'translation',
            description: `translation ${field} ${altered} instead of ${value}`,
            failureFragments: [altered, 'no such translation'],
          };
        },
      });
    }
  }
}

function stepSites(steps: unknown, path: Path, used: Set<string>, sites: Site[]): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, index) => {
    if (!isObject(step)) return;
    const at = [...path, index];
    if (Array.isArray(step.parallel)) stepSites(step.parallel, [...at, 'parallel'], used, sites);
    if ('capture' in step) stepSites(step.steps, [...at, 'steps'], used, sites);
    if ('expect' in step) {
      if ('run' in step || 'wait' in step || 'stop' in step) {
        if (isObject(step.expect)) outputSites(step.expect, [...at, 'expect'], used, sites);
      } else if (Array.isArray(step.expect)) {
        step.expect.forEach((expectation, n) => expectationSites(expectation, [...at, 'expect', n], used, sites));
      } else {
        expectationSites(step.expect, [...at, 'expect'], used, sites);
      }
    }
  });
}

/**
 * The variant of the lesson at `file` for the lesson at position `index` in the library:
 * the YAML text with one expectation altered, and what its failure must say.
 */
export function alterLesson(file: string, index: number): { text: string; alteration: Alteration } {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const scenario = doc.toJS() as Json;
  const used = new Set<string>();
  for (const host of Object.values((scenario.hosts ?? {}) as Record<string, Json>)) {
    for (const ip of Object.values((host.networks ?? {}) as Record<string, string>)) used.add(ip);
  }
  const sites: Site[] = [];
  stepSites(scenario.steps, ['steps'], used, sites);
  if (sites.length === 0) throw new Error(`${file} has no expectation that could be altered: a lesson must check something`);
  // Rotate the preferred kind with the lesson's position, then take the first kind it has.
  const kinds = ALTERATION_KINDS.map((_, n) => ALTERATION_KINDS[(index + n) % ALTERATION_KINDS.length]!);
  const kind = kinds.find((candidate) => sites.some((site) => site.kind === candidate))!;
  const alteration = sites.find((site) => site.kind === kind)!.apply(doc);
  return { text: doc.toString(), alteration };
}

/**
 * Writes the variant into `dir` under the lesson's file name, next to copies of the files
 * its hosts are given (`files:`) and of programs that are not in the bundled library
 * (`programs/...` resolves to the library from any folder).
 */
export function writeVariant(file: string, text: string, dir: string): string {
  const scenario = parseDocument(text).toJS() as Json;
  const sourceDir = dirname(file);
  const needed = new Set<string>();
  for (const host of Object.values((scenario.hosts ?? {}) as Record<string, Json>)) {
    for (const entry of (host.files ?? []) as unknown[]) {
      if (typeof entry === 'string') needed.add(entry);
      else if (isObject(entry) && typeof entry.from === 'string') needed.add(entry.from);
    }
  }
  const visit = (steps: unknown) => {
    if (!Array.isArray(steps)) return;
    for (const step of steps) {
      if (!isObject(step)) continue;
      if (typeof step.program === 'string' && !step.program.startsWith('programs/')) needed.add(step.program);
      visit(step.parallel);
      visit(step.steps);
    }
  };
  visit(scenario.steps);
  for (const relative of needed) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    copyFileSync(join(sourceDir, relative), join(dir, relative));
  }
  mkdirSync(dir, { recursive: true });
  const target = join(dir, file.split('/').pop()!);
  writeFileSync(target, text);
  return target;
}
