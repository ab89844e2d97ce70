// Grading without an engine: which steps get a student's program, the checks a student's
// file passes like a scenario's own program (links out refused, only .ts/.js/.py, bundling
// confined to the student's folder), and one entry per student folder. Running them is e2e
// (test/e2e/grading.test.ts).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProgramLibrary } from '../../src/lab/programs.js';
import { loadScenario, type LoadedScenario } from '../../src/scenario/load.js';
import { visitSteps, type ProgramStep } from '../../src/scenario/model.js';
import { GradingInputError, lessonWithPrograms, parseProgramChoice, studentEntries } from '../../src/session/grading.js';
import { BUNDLED_SCENARIOS_DIR } from '../../src/util/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'socklab-grading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, text = 'print("hi")\n') => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};

const tcpHello = () => loadScenario(join(BUNDLED_SCENARIOS_DIR, 'tcp-hello.yaml'));
const tcpEcho = () => loadScenario(join(BUNDLED_SCENARIOS_DIR, 'tcp-echo.yaml'));

function programSteps(loaded: LoadedScenario): ProgramStep[] {
  const steps: ProgramStep[] = [];
  visitSteps(loaded.scenario.steps, { start: (step) => steps.push(step), run: (step) => steps.push(step) });
  return steps;
}

const programPath = (step: ProgramStep) => (step.program?.kind === 'file' && step.program.location.kind === 'found' ? step.program.location.path : undefined);

describe('parseProgramChoice', () => {
  it('reads ID=PATH and refuses anything else', () => {
    expect(parseProgramChoice('hello-server=students/a/server.py')).toEqual({ id: 'hello-server', path: 'students/a/server.py' });
    expect(parseProgramChoice('s=a=b.py')).toEqual({ id: 's', path: 'a=b.py' });
    for (const bad of ['server.py', '=server.py', 'server=']) expect(() => parseProgramChoice(bad)).toThrow(/--program takes ID=PATH/);
  });
});

describe('lessonWithPrograms', () => {
  it('puts the file in place of the program of the step with that id, under the lesson program’s name', async () => {
    const lesson = await tcpHello();
    write(join(dir, 'one', 'server.py'));
    const entry = lessonWithPrograms(lesson, [{ id: 'hello-server', path: 'one/server.py' }], dir);
    const [server, client] = programSteps(entry.loaded!);
    expect(programPath(server!)).toBe(join(dir, 'one', 'server.py'));
    expect(server!.program).toMatchObject({ kind: 'file', installAs: 'tcp-hello-server' });
    // The client, and the lesson as loaded, are untouched.
    expect(programPath(client!)).toMatch(/programs\/tcp-hello-client\.ts$/);
    expect(programPath(programSteps(lesson)[0]!)).toMatch(/programs\/tcp-hello-server\.ts$/);
    expect(entry.loaded!.programRoots).toEqual([join(dir, 'one')]);
    expect(entry.result).toMatchObject({ name: 'tcp-hello', status: 'not run', programs: { 'hello-server': join(dir, 'one', 'server.py') } });
    // In the host it keeps the lesson's name, so `ps` and `process` expectations see it.
    const prepared = await new ProgramLibrary(lesson.dir, entry.loaded!.programRoots).prepare(server!.program as never);
    expect(prepared.pathInHost).toBe('/lab/programs/tcp-hello-server.py');
    expect(prepared.interpreter).toEqual(['python3', '-u', '/lab/programs/tcp-hello-server.py']);
  });

  it('names the steps that run a program when the id is unknown, or when the step runs a command', async () => {
    const lesson = await tcpHello();
    const attempt = () => lessonWithPrograms(lesson, [{ id: 'server', path: 'x.py' }], dir);
    expect(attempt).toThrow(GradingInputError);
    expect(attempt).toThrow(
      "--program server=...: no step of tcp-hello (scenarios/tcp-hello.yaml) has the id 'server'; the steps that run a program: hello-server (start on server: programs/tcp-hello-server.ts).",
    );
    expect(() =>
      lessonWithPrograms(
        lesson,
        [
          { id: 'hello-server', path: 'a.py' },
          { id: 'hello-server', path: 'b.py' },
        ],
        dir,
      ),
    ).toThrow(/given twice/);
  });

  it('refuses a missing file, a link out of its folder, a folder and a file that is not a program', async () => {
    const lesson = await tcpHello();
    const replace = (path: string) => () => lessonWithPrograms(lesson, [{ id: 'hello-server', path }], dir);
    expect(replace('nope/server.py')).toThrow('--program hello-server=nope/server.py: no such file');
    write(join(dir, 'secret.py'));
    mkdirSync(join(dir, 'linked'), { recursive: true });
    symlinkSync(join(dir, 'secret.py'), join(dir, 'linked', 'server.py'));
    expect(replace('linked/server.py')).toThrow(/leads to .*secret\.py, outside .*linked \(through a symbolic link\); socklab does not follow it/);
    expect(replace('linked')).toThrow(/is a folder; give a regular file/);
    write(join(dir, 'notes', 'server.txt'));
    expect(replace('notes/server.txt')).toThrow(/a program is a \.ts, \.js or \.py file/);
  });

  it('bundles a TypeScript program with imports from its own folder, and refuses one that imports from outside it', async () => {
    const lesson = await tcpHello();
    write(join(dir, 'ts', 'ok', 'helper.ts'), 'export const greeting = "hello";\n');
    write(join(dir, 'ts', 'ok', 'server.ts'), 'import { greeting } from "./helper";\nconsole.log(greeting);\n');
    write(join(dir, 'ts', 'outside.ts'), 'export const secret = "s3cret";\n');
    write(join(dir, 'ts', 'bad', 'server.ts'), 'import { secret } from "../outside";\nconsole.log(secret);\n');
    const prepare = (folder: string) => {
      const entry = lessonWithPrograms(lesson, [{ id: 'hello-server', path: join(dir, 'ts', folder, 'server.ts') }]);
      return new ProgramLibrary(lesson.dir, entry.loaded!.programRoots).prepare(programSteps(entry.loaded!)[0]!.program as never);
    };
    const ok = await prepare('ok');
    expect(ok.pathInHost).toBe('/lab/programs/tcp-hello-server.js');
    expect(ok.content.toString()).toContain('hello');
    await expect(prepare('bad')).rejects.toThrow(
      /outside\.ts is outside the scenario's folder and socklab's programs \(and .*bad\); a program may only import files from there/,
    );
  });
});

describe('studentEntries', () => {
  const students = join(dir, 'students');
  write(join(students, 'alice', 'tcp-echo-client.py'));
  write(join(students, 'alice', 'README.md'), 'notes\n');
  write(join(students, 'bob', 'client.py'));
  write(join(students, 'carol', 'tcp-echo-server.ts'), 'console.log(1);\n');
  write(join(students, 'carol', 'tcp-echo-server.py'));
  write(join(students, 'erin', 'tcp-echo-server.ts'), 'console.log(1);\n');
  write(join(students, 'erin', 'tcp-echo-client.ts'), 'console.log(1);\n');
  write(join(students, '.git', 'tcp-echo-client.py'));
  write(join(students, 'list.csv'), 'alice,bob\n');
  write(join(dir, 'elsewhere', 'tcp-echo-client.py'));
  symlinkSync(join(dir, 'elsewhere'), join(students, 'dave'));

  it('without --program, the files present decide: a file named like a lesson program replaces it in every step that runs it', async () => {
    const lesson = await tcpEcho();
    const entries = await studentEntries(lesson, students);
    expect(entries.map((entry) => [entry.result.student, entry.result.status])).toEqual([
      ['alice', 'not run'],
      ['bob', 'no program'],
      ['carol', 'invalid'],
      ['dave', 'invalid'],
      ['erin', 'not run'],
    ]);
    const [alice, bob, carol, dave, erin] = entries;
    // The lesson runs its client twice (no ids): both runs get alice's client; the server stays the lesson's.
    const paths = programSteps(alice!.loaded!).map(programPath);
    expect(paths).toEqual([
      expect.stringMatching(/programs\/tcp-echo-server\.ts$/),
      join(students, 'alice', 'tcp-echo-client.py'),
      join(students, 'alice', 'tcp-echo-client.py'),
    ]);
    expect(alice!.result.programs).toEqual({ 'programs/tcp-echo-client.ts': join(students, 'alice', 'tcp-echo-client.py') });
    expect(alice!.loaded!.programRoots).toEqual([join(students, 'alice')]);
    expect(bob!.result.issues).toEqual(["none of the lesson's program files: tcp-echo-server.ts, .js or .py; tcp-echo-client.ts, .js or .py"]);
    expect(carol!.result.issues).toEqual(['tcp-echo-server.py and tcp-echo-server.ts both stand for programs/tcp-echo-server.ts; keep one']);
    expect(dave!.result.issues[0]).toMatch(/dave leads to .*elsewhere, outside .*students; socklab does not follow it/);
    expect(Object.keys(erin!.result.programs!)).toEqual(['programs/tcp-echo-server.ts', 'programs/tcp-echo-client.ts']);
  });

  it('with --program ID=FILE, that file in each folder replaces that step; a folder without it has no program', async () => {
    const lesson = await tcpHello();
    const folder = join(dir, 'named');
    write(join(folder, 'ann', 'server.py'));
    write(join(folder, 'ben', 'client.py'));
    const entries = await studentEntries(lesson, folder, [{ id: 'hello-server', path: 'server.py' }]);
    expect(entries.map((entry) => [entry.result.student, entry.result.status, entry.result.issues])).toEqual([
      ['ann', 'not run', []],
      ['ben', 'no program', ['none of the expected files: server.py']],
    ]);
    expect(programPath(programSteps(entries[0]!.loaded!)[0]!)).toBe(join(folder, 'ann', 'server.py'));
    await expect(studentEntries(lesson, folder, [{ id: 'client', path: 'client.py' }])).rejects.toThrow(/no step of tcp-hello .* has the id 'client'/);
  });

  it('says so for a folder without student folders, or no folder at all', async () => {
    const lesson = await tcpHello();
    mkdirSync(join(dir, 'empty'));
    await expect(studentEntries(lesson, join(dir, 'empty'))).rejects.toThrow(/no student folders in it/);
    await expect(studentEntries(lesson, join(dir, 'missing'))).rejects.toThrow(/--students .*missing: no such folder/);
  });
});
