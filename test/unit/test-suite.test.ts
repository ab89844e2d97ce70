// `socklab test`'s suite on the in-memory runtime: whole lesson runs (lab up, steps,
// expectations, teardown), several at once. Results keep the files' order, the limit holds,
// and one abort stops every run under way (each lab torn down) and starts nothing more.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_REAPER } from '../../src/lab/reaper.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { readDurations, recordDurations } from '../../src/session/suite-durations.js';
import { checkSuiteFiles, runSuite, totalsOf, type ScenarioResult, type SuiteEntry } from '../../src/session/test-suite.js';

const IMAGE = 'socklab-lab:test';
const dir = mkdtempSync(join(tmpdir(), 'socklab-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A lesson that sleeps, then expects something listening on `port` of its one host. */
function lesson(name: string, subnet: number, sleep: string, port: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
networks: { lan: { subnet: 10.251.${subnet}.0/24 } }
hosts: { box: { networks: { lan: 10.251.${subnet}.10 } } }
steps:
  - sleep: ${sleep}
  - expect:
      - listening: { host: box, port: ${port} }
`,
  );
  return file;
}

const NETSTAT = `Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1/node
`;

/** Every host listens on port 80, and on nothing else. */
const runtimeListeningOn80 = () =>
  new FakeRuntime({
    images: [IMAGE],
    execAnswer: (_container, command) => (command.join(' ').includes('netstat') ? { exitCode: 0, stdout: NETSTAT, stderr: '' } : undefined),
  });

const nothingLeft = (runtime: FakeRuntime) => {
  expect([...runtime.containers.keys()]).toEqual([]);
  expect([...runtime.networks.values()].filter((network) => LABEL.run in network.labels)).toEqual([]);
  expect([...runtime.hostRules]).toEqual([]);
};

const slowPass = lesson('unit-slow-pass', 1, '150ms', 80);
const quickFail = lesson('unit-quick-fail', 2, '10ms', 81);
const quickPass = lesson('unit-quick-pass', 3, '10ms', 80);
const invalid = join(dir, 'unit-invalid.yaml');
writeFileSync(invalid, 'name: unit-invalid\nnetworks: { lan: { subnet: 10.251.9.0/24 } }\nhosts: { box: { networks: { lan: 10.251.10.10 } } }\n');

function track() {
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const finished: string[] = [];
  return {
    started,
    finished,
    peak: () => peak,
    onStart: (entry: SuiteEntry) => {
      started.push(entry.result.name);
      peak = Math.max(peak, ++running);
    },
    onFinish: (result: ScenarioResult) => {
      finished.push(result.name);
      running--;
    },
  };
}

/** What every run of these tests shares: the fake engine, no reaper, runs under the temporary folder. */
const suiteOptions = (runtime: FakeRuntime, jobs: number) => ({
  runtime,
  image: IMAGE,
  jobs,
  signal: new AbortController().signal,
  outputRoot: join(dir, 'runs'),
  reaper: NO_REAPER,
});

describe('runSuite', () => {
  it('runs the scenarios side by side and gives the results in the files’ order', async () => {
    const runtime = runtimeListeningOn80();
    const entries = await checkSuiteFiles([slowPass, quickFail, invalid, quickPass]);
    const tracker = track();
    const results = await runSuite(entries, {
      ...suiteOptions(runtime, 2),
      ...tracker,
    });
    expect(results.map((result) => [result.name, result.status])).toEqual([
      ['unit-slow-pass', 'pass'],
      ['unit-quick-fail', 'fail'],
      [invalid.startsWith(process.cwd()) ? invalid.slice(process.cwd().length + 1) : invalid, 'invalid'],
      ['unit-quick-pass', 'pass'],
    ]);
    // Two at once: the quick ones finish while the slow one still sleeps.
    expect(tracker.peak()).toBe(2);
    expect(tracker.started).toEqual(['unit-slow-pass', 'unit-quick-fail', 'unit-quick-pass']);
    expect(tracker.finished).toEqual(['unit-quick-fail', 'unit-quick-pass', 'unit-slow-pass']);

    const failed = results[1]!;
    expect(failed).toMatchObject({ checksPassed: 0, checksTotal: 1 });
    expect(failed.failures).toEqual([
      { step: 'step 2', subject: 'box: something listening on *:81/tcp', reason: expect.stringContaining('nothing listens there') as string },
    ]);
    expect(results[2]!.issues[0]).toMatch(/unit-invalid\.yaml:3:\d+: .*10\.251\.10\.10/);
    expect(results[0]!.outputDir).toContain(join(dir, 'runs', 'unit-slow-pass-'));
    expect(totalsOf(results)).toEqual({ scenarios: 4, passed: 2, failed: 1, invalid: 1, noProgram: 0, notFinished: 0 });
    nothingLeft(runtime);
  });

  it('with durations remembered and several jobs, starts the longest first, never-timed ones before all; results keep the files’ order', async () => {
    const runtime = runtimeListeningOn80();
    const durationsFile = join(dir, 'durations.json');
    recordDurations(
      [
        { file: quickPass, status: 'pass', seconds: 1 },
        { file: slowPass, status: 'pass', seconds: 9 },
        { file: invalid, status: 'invalid', seconds: 5 },
      ],
      durationsFile,
    );
    expect([...readDurations(durationsFile)].map(([file, seconds]) => [file.slice(dir.length + 1), seconds])).toEqual([
      ['unit-quick-pass.yaml', 1],
      ['unit-slow-pass.yaml', 9],
    ]);
    const tracker = track();
    const results = await runSuite(await checkSuiteFiles([quickPass, quickFail, slowPass]), {
      ...suiteOptions(runtime, 2),
      durations: readDurations(durationsFile),
      ...tracker,
    });
    expect(tracker.started).toEqual(['unit-quick-fail', 'unit-slow-pass', 'unit-quick-pass']);
    expect(results.map((result) => result.name)).toEqual(['unit-quick-pass', 'unit-quick-fail', 'unit-slow-pass']);
    // What this run took is remembered for the next.
    recordDurations(results, durationsFile);
    expect(readDurations(durationsFile).get(quickFail)).toBeGreaterThan(0);
    expect(readDurations(durationsFile).get(slowPass)).toBeLessThan(9);
    // Nothing readable remembered: the files' order.
    writeFileSync(durationsFile, 'not json');
    expect(readDurations(durationsFile).size).toBe(0);
  });

  it('runs one at a time with jobs 1', async () => {
    const runtime = runtimeListeningOn80();
    const tracker = track();
    const results = await runSuite(await checkSuiteFiles([slowPass, quickPass]), {
      runtime,
      image: IMAGE,
      jobs: 1,
      signal: new AbortController().signal,
      outputRoot: join(dir, 'runs'),
      reaper: NO_REAPER,
      ...tracker,
    });
    expect(results.map((result) => result.status)).toEqual(['pass', 'pass']);
    expect(tracker.peak()).toBe(1);
    expect(tracker.finished).toEqual(['unit-slow-pass', 'unit-quick-pass']);
  });

  it('on abort stops every run under way, tears each lab down, and starts nothing more', async () => {
    const runtime = runtimeListeningOn80();
    const long1 = lesson('unit-long-1', 4, '30s', 80);
    const long2 = lesson('unit-long-2', 5, '30s', 80);
    const never = lesson('unit-never', 6, '10ms', 80);
    const controller = new AbortController();
    let upCount = 0;
    const started = performance.now();
    const results = await runSuite(await checkSuiteFiles([long1, long2, never]), {
      runtime,
      image: IMAGE,
      jobs: 2,
      signal: controller.signal,
      outputRoot: join(dir, 'runs'),
      reaper: NO_REAPER,
      reporterFor: () => ({
        info: () => undefined,
        // Both labs are up and sleeping: interrupt.
        step: () => {
          if (++upCount === 2) setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 20);
        },
        hostOutput: () => undefined,
        observation: () => undefined,
        verdict: () => undefined,
        section: () => undefined,
      }),
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(results.map((result) => result.status)).toEqual(['interrupted', 'interrupted', 'not run']);
    nothingLeft(runtime);
  });
});
