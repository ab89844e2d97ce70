// The lesson library end to end, through the real CLI and engine:
// - `socklab test scenarios/` runs every bundled lesson and all of them pass;
// - `socklab list` shows every lesson with its one-line description;
// - every lesson can fail: a copy with one expectation altered must fail, with exactly
//   that expectation named (lessons-wrong-expectation.ts picks and alters it).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { ROOT, findLeftovers, runCli, runIdOf } from './helpers.js';
import { alterLesson, writeVariant } from './lessons-wrong-expectation.js';

const runtime = new DockerRuntime();
const SCENARIOS = join(ROOT, 'scenarios');
const lessonFiles = readdirSync(SCENARIOS)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => join(SCENARIOS, name));
const lessons = lessonFiles.map((file) => {
  const scenario = parseDocument(readFileSync(file, 'utf8')).toJS() as { name: string; description?: string };
  return { file, name: scenario.name, description: (scenario.description ?? '').replace(/\s+/g, ' ').trim() };
});

/** Containers and networks of these lessons still on the engine (any run). */
async function lessonLeftovers(names: string[]): Promise<string[]> {
  const containers = (await runtime.listContainers([LABEL.scenario])).filter((c) => names.includes(c.labels[LABEL.scenario] ?? ''));
  const networks = (await runtime.listNetworks()).filter((n) => names.includes(n.labels[LABEL.scenario] ?? ''));
  return [...containers.map((c) => `container ${c.name}`), ...networks.map((n) => `network ${n.name}`)];
}

describe('the lesson library', () => {
  it('has the lessons the issue asks for, each named after its file', () => {
    const names = lessons.map((lesson) => lesson.name);
    for (const required of [
      'tcp-echo',
      'udp-hello',
      'udp-counter',
      'tcp-vs-udp-server-gone',
      'tcp-hello-five',
      'ports',
      'custom-protocol',
      'chat',
      'file-transfer',
    ]) {
      expect(names).toContain(required);
    }
    for (const lesson of lessons) {
      expect(lesson.file.endsWith(`/${lesson.name}.yaml`), lesson.file).toBe(true);
      expect(lesson.description, `${lesson.name} needs a description for socklab list`).not.toBe('');
    }
  });

  it('socklab list shows every lesson with its description', async () => {
    const { code, stdout, stderr } = await runCli(['list', '--json']);
    expect(code, stderr).toBe(0);
    const listed = JSON.parse(stdout) as { name: string; description: string }[];
    expect(listed.map((entry) => entry.name)).toEqual(lessons.map((lesson) => lesson.name));
    for (const lesson of lessons) expect(listed.find((entry) => entry.name === lesson.name)?.description).toBe(lesson.description);

    const table = await runCli(['list']);
    expect(table.code).toBe(0);
    for (const lesson of lessons) expect(table.stdout).toMatch(new RegExp(`│ ${lesson.name}\\s+│ \\d+\\s+│ `));
  });

  it(
    'socklab test scenarios/ runs every lesson, prints a table and exits 0',
    async () => {
      // With the default number of jobs, as a user runs it: lessons come up while others run.
      const { code, stdout, stderr } = await runCli(['test', 'scenarios/']);
      expect(code, stdout + stderr).toBe(0);
      for (const [index, lesson] of lessons.entries()) {
        // │  3 │ file-transfer │ pass │ 4/4 │ 3.2 │
        expect(stdout).toMatch(new RegExp(`│\\s+${index + 1} │ ${lesson.name}\\s+│ pass\\s+│\\s+(\\d+)/\\1 │\\s+\\d+\\.\\d │`));
      }
      expect(stdout).toContain(`✔ ${lessons.length} passed, 0 failed of ${lessons.length} scenario(s)`);
      expect(await lessonLeftovers(lessons.map((lesson) => lesson.name))).toEqual([]);
    },
    20 * 60_000,
  );
});

describe('every lesson fails when one of its expectations is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-wrong-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [index, lesson] of lessons.entries()) {
    const { text, alteration } = alterLesson(lesson.file, index);
    it(`${lesson.name}: ${alteration.description}`, async () => {
      const variant = writeVariant(lesson.file, text, join(dir, lesson.name));
      const { code, stdout, stderr } = await runCli(['run', variant]);
      expect(code, stdout + stderr).toBe(1);
      // Exactly one expectation failed: the altered one; every other check still held.
      const summary = /^✘ (\d+) passed, 1 failed \(.*\)$/m.exec(stdout);
      expect(summary, stdout).not.toBeNull();
      expect(Number(summary![1])).toBeGreaterThan(0);
      const failureLine = stdout.slice(summary!.index).split('\n')[1] ?? '';
      for (const fragment of alteration.failureFragments) expect(failureLine).toContain(fragment);
      expect(await findLeftovers(runtime, runIdOf(stdout))).toEqual([]);
    });
  }
});
