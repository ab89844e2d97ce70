// `socklab test` side by side and grading, through the real CLI and engine:
// - students' servers graded against a lesson: a correct one passes, one bound to
//   127.0.0.1 fails at the client's step, a folder without the file is "no program"; the
//   JSON on stdout and the JUnit file (read with a real XML parser) say the same; three
//   students graded two at a time on the same lesson, each in a lab of its own;
// - `--jobs 2` over two scenarios: both labs up at once, the quick one ends first, the
//   table keeps the files' order, and each run's --verbose output comes whole;
// - Ctrl+C with two labs up tears both down, and the third scenario never starts.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import type { SuiteJson } from '../../src/session/test-report.js';
import { ROOT, runCli, startCli } from './helpers.js';

const runtime = new DockerRuntime();
const dir = mkdtempSync(join(tmpdir(), 'socklab-grading-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIOS = ['e2e-grade-echo', 'e2e-jobs-slow', 'e2e-jobs-quick', 'e2e-jobs-long'];

/** Containers and networks of this file's scenarios still on the engine (any run). */
async function leftovers(): Promise<string[]> {
  const containers = (await runtime.listContainers([LABEL.scenario])).filter((c) => SCENARIOS.includes(c.labels[LABEL.scenario] ?? ''));
  const networks = (await runtime.listNetworks()).filter((n) => SCENARIOS.includes(n.labels[LABEL.scenario] ?? ''));
  return [...containers.map((c) => `container ${c.name}`), ...networks.map((n) => `network ${n.name}`)];
}
afterEach(async () => expect(await leftovers()).toEqual([]));

// The grading guide's class: alice's server is right, bob's listens on 127.0.0.1 only (the
// classic mistake), carol handed in no program.
const GUIDE_CLASS = join(ROOT, 'docs/grading/students');
const RIGHT_SERVER = join(GUIDE_CLASS, 'alice', 'server.py');
const WRONG_SERVER = join(GUIDE_CLASS, 'bob', 'server.py');

function students(): string {
  const root = join(dir, 'students');
  cpSync(GUIDE_CLASS, root, { recursive: true });
  return root;
}

interface JunitCase {
  name: string;
  classname: string;
  time: string;
  failure?: { message: string; type: string; '#text': string };
  properties?: { property: { name: string; value: string }[] };
}

describe('grading students’ programs against a lesson', () => {
  it('gives a pass, a fail and a no-program row, the same in JSON and in JUnit XML', async () => {
    const junit = join(dir, 'reports', 'grading.xml');
    const args = ['test', 'test/e2e/scenarios/grade-echo.yaml', '--students', students(), '--program', 'tcp-server=server.py', '--jobs', '1'];
    const { code, stdout, stderr } = await runCli([...args, '--json', '--junit', junit]);
    expect(code, stderr).toBe(1);

    // stdout is the JSON alone; the table went to stderr.
    const report = JSON.parse(stdout) as SuiteJson;
    expect(report.lesson).toEqual({ file: 'test/e2e/scenarios/grade-echo.yaml', name: 'e2e-grade-echo' });
    expect(report.totals).toEqual({ scenarios: 3, passed: 1, failed: 1, invalid: 0, noProgram: 1, notFinished: 0 });
    const [alice, bob, carol] = report.results;
    expect(alice).toMatchObject({ student: 'alice', verdict: 'pass', checks: { passed: 4, total: 4 }, failures: [], error: null });
    expect(alice!.programs!['tcp-server']).toMatch(/students\/alice\/server\.py$/);
    expect(bob).toMatchObject({ student: 'bob', verdict: 'fail' });
    // The lesson's client cannot reach a server bound to 127.0.0.1.
    expect(bob!.failures).toContainEqual({
      step: 'step 3',
      host: 'client',
      subject: expect.stringContaining('seed000_tcp_client.py') as string,
      reason: expect.stringMatching(/Connection ?Refused|exit(ed)? (code )?1/i) as string,
    });
    expect(carol).toMatchObject({ student: 'carol', verdict: 'no program', issues: ['none of the expected files: server.py'] });
    expect(stderr).toMatch(/│ 1 │ alice\s+│ pass\s+│\s+4\/4 │\s+\d+\.\d │\s+│/);
    expect(stderr).toMatch(/│ 2 │ bob\s+│ fail\s+│\s+\d\/\d │\s+\d+\.\d │ step 3 on client: /);
    expect(stderr).toMatch(/│ 3 │ carol\s+│ no program │\s+- │\s+- │ none of the expected files: server\.py\s+│/);
    expect(stderr).toContain('✘ 1 passed, 1 failed, 1 without a program of 3 student(s)');

    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      htmlEntities: true,
      isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
    }).parse(xml) as { testsuites: Record<string, string> & { testsuite: (Record<string, string> & { testcase: JunitCase[] })[] } };
    expect(parsed.testsuites).toMatchObject({ tests: '3', failures: '2', errors: '0', skipped: '0' });
    const cases = parsed.testsuites.testsuite[0]!.testcase;
    expect(cases.map((each) => [each.name, each.classname, each.failure?.type ?? 'pass'])).toEqual([
      ['alice', 'e2e-grade-echo', 'pass'],
      ['bob', 'e2e-grade-echo', 'fail'],
      ['carol', 'e2e-grade-echo', 'no program'],
    ]);
    expect(cases[1]!.failure!.message).toMatch(/^step 3 on client: /);
    expect(cases[0]!.properties!.property[0]).toMatchObject({ name: 'program.tcp-server', value: expect.stringMatching(/alice\/server\.py$/) as string });
  });
  it('grades students side by side on the same lesson, each in a lab of its own (--jobs 2), the files present deciding', async () => {
    const root = join(dir, 'class');
    for (const [student, server] of [
      ['ann', RIGHT_SERVER],
      ['ben', WRONG_SERVER],
      ['cat', RIGHT_SERVER],
    ] as const) {
      mkdirSync(join(root, student), { recursive: true });
      // Named like the lesson's program: it replaces that program wherever the lesson runs it.
      cpSync(server, join(root, student, 'seed000_tcp_server.py'));
    }
    const { code, stdout, stderr } = await runCli(['test', 'test/e2e/scenarios/grade-echo.yaml', '--students', root, '--jobs', '2', '--json']);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as SuiteJson;
    expect(report.jobs).toBe(2);
    expect(report.results.map((each) => [each.student, each.verdict, each.error])).toEqual([
      ['ann', 'pass', null],
      ['ben', 'fail', null],
      ['cat', 'pass', null],
    ]);
    expect(report.results[0]!.programs).toEqual({
      'programs/python/seed000_tcp_server.py': expect.stringMatching(/class\/ann\/seed000_tcp_server\.py$/) as string,
    });
    // The second student's lab started before the first one's ended.
    expect(stderr.indexOf('[2/3] ben ...')).toBeLessThan(stderr.search(/[✔✘] ann /));
    expect(stderr).toMatch(/│ 1 │ ann\s+│ pass[\s\S]*│ 2 │ ben\s+│ fail[\s\S]*│ 3 │ cat\s+│ pass/);
  });
});

describe('socklab test --jobs 2', () => {
  it('runs two scenarios at once, keeps the table in the files’ order and shows each run whole', async () => {
    const { code, stdout, stderr } = await runCli([
      'test',
      'test/e2e/scenarios/jobs-slow.yaml',
      'test/e2e/scenarios/jobs-quick.yaml',
      '--jobs',
      '2',
      '--verbose',
    ]);
    expect(code, stdout + stderr).toBe(0);
    // Both started before either ended, and the quick one ended first...
    const position = (text: string) => stdout.indexOf(text);
    expect(position('[2/2] e2e-jobs-quick ...')).toBeLessThan(position('✔ e2e-jobs-quick pass'));
    expect(position('✔ e2e-jobs-quick pass')).toBeLessThan(position('✔ e2e-jobs-slow pass'));
    // ...yet the table is in the files' order.
    expect(stdout).toMatch(/│ 1 │ e2e-jobs-slow\s+│ pass\s+│\s+2\/2 │\s+\d+\.\d │\n│ 2 │ e2e-jobs-quick\s+│ pass\s+│\s+1\/1 │\s+\d+\.\d │/);
    // Each run's output is one block: its heading, its own hosts' lines, its verdict.
    const blocks = stdout.split('\n━━ ').slice(1);
    const quick = blocks.find((block) => block.startsWith('[2/2] e2e-jobs-quick'))!;
    const slow = blocks.find((block) => block.startsWith('[1/2] e2e-jobs-slow'))!;
    expect(quick).toMatch(/gamma \| gamma was quick\n[\s\S]*✔ e2e-jobs-quick pass/);
    expect(quick).not.toMatch(/alpha|beta/);
    expect(slow).toMatch(/alpha \| alpha says hello\n[\s\S]*beta {2}\| beta says goodbye\n[\s\S]*✔ e2e-jobs-slow pass/);
    expect(slow.split('✔ e2e-jobs-slow pass')[0]).not.toMatch(/gamma/);
  });

  it('tears every running lab down on Ctrl+C and starts nothing more', async () => {
    const cli = startCli(
      ['test', 'test/e2e/scenarios/jobs-long.yaml', 'test/e2e/scenarios/jobs-slow.yaml', 'test/e2e/scenarios/jobs-quick.yaml', '--jobs', '2'],
      { SOCKLAB_TRACE: '1' },
    );
    await cli.waitFor(/\[2\/3\] e2e-jobs-slow \.\.\./);
    // Both labs up (their containers running) before the interruption.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await runtime.listContainers([LABEL.scenario]);
      const scenarios = new Set(up.filter((c) => c.state === 'running').map((c) => c.labels[LABEL.scenario]));
      if (scenarios.has('e2e-jobs-long') && scenarios.has('e2e-jobs-slow')) break;
      if (Date.now() > deadline) throw new Error(`the two labs did not come up; output:\n${cli.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const interrupted = performance.now();
    cli.kill('SIGINT');
    const { code, stdout, stderr } = await cli.resultWithin(30_000);
    // A handle left open after the command would have kept it alive (main.ts, endSoonAfter):
    // not a failure for the user, but worth finding.
    const stillOpen = /socklab: still open .*/.exec(stderr);
    if (stillOpen) console.warn(`the CLI ended only through its wind-down guard: ${stillOpen[0]}`);
    expect(performance.now() - interrupted).toBeLessThan(15_000);
    expect(code, stdout).toBe(130);
    expect(stdout).toContain('SIGINT received: tearing the running labs down and stopping');
    expect(stdout).toMatch(
      /│ 1 │ e2e-jobs-long\s+│ interrupted │[\s\S]*│ 2 │ e2e-jobs-slow\s+│ (interrupted|pass)\s+│[\s\S]*│ 3 │ e2e-jobs-quick\s+│ not run\s+│/,
    );
    expect(await leftovers()).toEqual([]);
  });
});
