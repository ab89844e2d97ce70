// `socklab test --json` and `--junit`: the JSON object's shape, and JUnit XML read back with
// a real XML parser (escaping, control characters, counts and outcomes).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { suiteJson, suiteJunit, type SuiteReport } from '../../src/session/test-report.js';
import { pendingResult, type ScenarioResult } from '../../src/session/test-suite.js';
import { escapeAttribute, xmlDocument, xmlSafe } from '../../src/util/xml.js';

const result = (name: string, extra: Partial<ScenarioResult>): ScenarioResult => ({ ...pendingResult(`/lessons/${name}.yaml`, name), ...extra });

const HOSTILE = 'got "<b>&amp;</b>" \u0000\u0007\u001b[31mred\u001b[0m \uD800 \uFFFE end';

const results: ScenarioResult[] = [
  result('tcp-hello', { status: 'pass', seconds: 2.3456, checksPassed: 6, checksTotal: 6, outputDir: '/runs/tcp-hello-abc123' }),
  result('tcp-echo', {
    status: 'fail',
    seconds: 4.5,
    checksPassed: 5,
    checksTotal: 7,
    failures: [
      { step: 'step 4', host: 'client', subject: 'client exits 0 with the expected output', reason: `stdout was: ${HOSTILE}` },
      { step: 'step 7', subject: "echo: output matches /^received/'", reason: 'no line matched;\nsecond line' },
    ],
    error: { message: 'step 8: stop echo: the program had already ended', during: 'steps', engine: false },
  }),
  result('broken', { status: 'invalid', name: 'lessons/broken.yaml', issues: ['lessons/broken.yaml:3:5: hosts.a: expected a mapping'] }),
  result('engine-down', {
    status: 'fail',
    seconds: 0.2,
    error: { message: 'the engine refused create network: Pool overlaps', during: 'bring-up', engine: true },
  }),
  result('later', { status: 'not run' }),
  result('cut', { status: 'interrupted', seconds: 1.5, checksPassed: 1, checksTotal: 1 }),
];

const report: SuiteReport = { jobs: 2, startedAt: new Date('2026-11-23T10:00:00.123Z'), seconds: 12.3456, exitCode: 2, results };

describe('suiteJson', () => {
  it('gives per scenario the verdict, seconds, checks, failed expectations with step, host and reason, and the error; and totals', () => {
    const json = suiteJson(report);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json); // plain JSON, nothing lost
    expect(json).toMatchObject({ lesson: null, jobs: 2, startedAt: '2026-11-23T10:00:00.123Z', seconds: 12.346, interrupted: null, exitCode: 2 });
    expect(json.totals).toEqual({ scenarios: 6, passed: 1, failed: 2, invalid: 1, noProgram: 0, notFinished: 2 });
    expect(json.results[0]).toEqual({
      file: '/lessons/tcp-hello.yaml',
      name: 'tcp-hello',
      verdict: 'pass',
      seconds: 2.346,
      checks: { passed: 6, total: 6 },
      failures: [],
      issues: [],
      error: null,
      runFolder: '/runs/tcp-hello-abc123',
    });
    expect(json.results[1]!.failures).toEqual([
      { step: 'step 4', host: 'client', subject: 'client exits 0 with the expected output', reason: `stdout was: ${HOSTILE}` },
      { step: 'step 7', host: null, subject: "echo: output matches /^received/'", reason: 'no line matched;\nsecond line' },
    ]);
    expect(json.results[1]!.error).toEqual({ message: 'step 8: stop echo: the program had already ended', during: 'steps', engine: false });
    expect(json.results.map((each) => each.verdict)).toEqual(['pass', 'fail', 'invalid', 'fail', 'not run', 'interrupted']);
  });

  it('names the lesson, the students and their programs when grading', () => {
    const graded = suiteJson({
      ...report,
      lesson: { file: '/lessons/tcp-hello.yaml', name: 'tcp-hello' },
      results: [result('tcp-hello', { student: 'alice', status: 'pass', programs: { 'hello-server': '/students/alice/server.py' } })],
    });
    expect(graded.lesson).toEqual({ file: '/lessons/tcp-hello.yaml', name: 'tcp-hello' });
    expect(graded.results[0]).toMatchObject({ student: 'alice', programs: { 'hello-server': '/students/alice/server.py' } });
  });
});

// htmlEntities: numeric character references (&#10;) are decoded too, as any XML reader does.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

interface JunitCase {
  name: string;
  classname: string;
  file: string;
  time: string;
  failure?: { message: string; type: string; '#text': string };
  error?: { message: string; type: string; '#text': string };
  skipped?: { message: string };
  'system-out': string;
  properties?: { property: { name: string; value: string }[] };
}

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { testsuites: Record<string, string> & { testsuite: (Record<string, string> & { testcase: JunitCase[] })[] } };
  return doc.testsuites;
}

describe('suiteJunit', () => {
  it('is well-formed XML: testsuites > testsuite > a testcase per scenario, with counts and durations', () => {
    const suites = parse(suiteJunit(report));
    expect(suites).toMatchObject({ name: 'socklab test', tests: '6', failures: '1', errors: '2', skipped: '2', time: '12.346' });
    expect(suites.testsuite).toHaveLength(1);
    const suite = suites.testsuite[0]!;
    expect(suite).toMatchObject({ name: 'socklab test', tests: '6', failures: '1', errors: '2', skipped: '2', timestamp: '2026-11-23T10:00:00' });
    expect(suite.testcase.map((each) => [each.name, each.time])).toEqual([
      ['tcp-hello', '2.346'],
      ['tcp-echo', '4.5'],
      ['lessons/broken.yaml', '0'],
      ['engine-down', '0.2'],
      ['later', '0'],
      ['cut', '1.5'],
    ]);
  });

  it('gives a failure with the first problem as message and every problem in the body, escaped, control characters removed', () => {
    const [pass, fail, invalid, engine, notRun, interrupted] = parse(suiteJunit(report)).testsuite[0]!.testcase;
    expect(pass!.failure).toBeUndefined();
    expect(pass!['system-out']).toBe('verdict: pass\nchecks: 6/6\nrun folder: /runs/tcp-hello-abc123');
    const clean = 'got "<b>&amp;</b>" red   end';
    expect(fail!.failure!.type).toBe('fail');
    expect(fail!.failure!.message).toBe(`step 4 on client: client exits 0 with the expected output: stdout was: ${clean}`);
    expect(fail!.failure!['#text']).toBe(
      [
        `step 4 on client: client exits 0 with the expected output: stdout was: ${clean}`,
        "step 7: echo: output matches /^received/': no line matched;\nsecond line",
        'stopped: step 8: stop echo: the program had already ended',
      ].join('\n'),
    );
    expect(invalid!.error).toMatchObject({ type: 'invalid', message: 'lessons/broken.yaml:3:5: hosts.a: expected a mapping' });
    expect(engine!.error).toMatchObject({ type: 'fail', message: 'could not run: the engine refused create network: Pool overlaps' });
    expect(notRun!.skipped!.message).toMatch(/not run/);
    expect(interrupted!.skipped!.message).toBe('interrupted');
  });

  it('lists a student’s programs as properties, the student as the testcase and the lesson as its class', () => {
    const xml = suiteJunit({
      ...report,
      lesson: { file: '/lessons/tcp-hello.yaml', name: 'tcp-hello' },
      results: [
        result('tcp-hello', { student: 'bob', status: 'no program', issues: ['none of the expected files: server.py'] }),
        result('tcp-hello', { student: 'alice & co', status: 'pass', programs: { 'hello-server': '/students/alice/server.py' } }),
      ],
    });
    const suite = parse(xml).testsuite[0]!;
    expect(suite.name).toBe('socklab grading: tcp-hello');
    const [bob, alice] = suite.testcase;
    expect(bob).toMatchObject({ name: 'bob', classname: 'tcp-hello', failure: { type: 'no program', message: 'none of the expected files: server.py' } });
    expect(alice).toMatchObject({ name: 'alice & co', classname: 'tcp-hello' });
    expect(alice!.properties!.property).toEqual([{ name: 'program.hello-server', value: '/students/alice/server.py' }]);
  });
});

describe('the XML writer', () => {
  it('drops what XML 1.0 cannot carry and keeps line breaks in attributes', () => {
    expect(xmlSafe('a\u0000b\u0008c\u000bd\u001b[1;31me\uDC00f\uFFFFg\u{1F600}')).toBe('abcdef' + 'g\u{1F600}');
    expect(escapeAttribute('x\ny\tz"<&>')).toBe('x&#10;y&#9;z&quot;&lt;&amp;&gt;');
    const xml = xmlDocument({ name: 'r', attributes: { text: 'line 1\nline 2\ttab' } });
    expect((parser.parse(xml) as { r: { text: string } }).r.text).toBe('line 1\nline 2\ttab');
  });

  it('refuses an element or attribute name that is not an XML name', () => {
    expect(() => xmlDocument({ name: 'a b' })).toThrow(/not an XML name/);
    expect(() => xmlDocument({ name: 'a', attributes: { 'x"y': '1' } })).toThrow(/not an XML name/);
  });
});
