// Programs that do what students' programs do by mistake or on purpose: print a gigabyte or
// an endless line, hang in every kind of step, close their output and run on, fork without
// end, eat memory, fill the disk. Each runs as a scenario through the real CLI; socklab must
// end the run the way it says (the expected exit), stay under 150 MB, leave nothing behind
// and never crash.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashed, leftoversAfter, runSocklab, scratch, type Section } from './common.js';

const MAX_PEAK_MB = 150;

interface HostileCase {
  name: string;
  /** Hosts and steps; every case gets its own subnet. */
  body: string;
  /** The exit code that says socklab handled it as designed (1: an expectation or step failed, by design). */
  exit: number;
  quick: boolean;
}

const FLOOD = "yes 'socklab flood 0123456789 0123456789 0123456789 0123456789 0123456789' | head -c 1000000000";

const CASES: HostileCase[] = [
  {
    name: '1 GB on standard output, run step',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "${FLOOD}; echo; echo the end"\n    timeout: 180s\n    expect: { stdout: "the end" }\n`,
    exit: 0,
    quick: true,
  },
  {
    name: '1 GB on standard output, start step',
    body: `hosts:\n  a: { networks: { lan: .10 }, limits: { memory: 3g } }\nsteps:\n  - start: a\n    id: flood\n    command: "${FLOOD}; echo; echo the end"\n  - wait: flood\n    timeout: 180s\n    expect: { stdout: "the end" }\n`,
    exit: 0,
    quick: false,
  },
  {
    name: '200 MB as one endless line',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "head -c 200000000 /dev/zero | tr '\\\\0' x"\n    timeout: 120s\n`,
    exit: 0,
    quick: true,
  },
  {
    name: 'hang: start whose wait_for never comes',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - start: a\n    command: "sleep 1000"\n    wait_for: ready\n    timeout: 2s\n`,
    exit: 1,
    quick: true,
  },
  {
    name: 'hang: run step',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "sleep 1000"\n    timeout: 2s\n`,
    exit: 1,
    quick: true,
  },
  {
    name: 'hang: parallel runs',
    body: `hosts:\n  a: { networks: { lan: .10 } }\n  b: { networks: { lan: .20 } }\nsteps:\n  - parallel:\n      - { run: a, command: "sleep 1000", timeout: 2s }\n      - { run: b, command: "sleep 1000 | cat", timeout: 2s }\n`,
    exit: 1,
    quick: false,
  },
  {
    name: 'hang: observe command',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - observe: { hosts: [a], command: "sleep infinity" }\n`,
    exit: 0,
    quick: true,
  },
  {
    name: 'hang: stop of a program that ignores SIGTERM',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - start: a\n    id: stubborn\n    command: "trap '' TERM INT; echo ready; while :; do sleep 1; done"\n    wait_for: ready\n  - stop: stubborn\n`,
    exit: 0,
    quick: false,
  },
  {
    name: 'hang: wait for a program that never ends',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - start: a\n    id: forever\n    command: "sleep 1000"\n  - wait: forever\n    timeout: 2s\n`,
    exit: 1,
    quick: false,
  },
  {
    name: 'hang: capture around a hanging run',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - capture: { host: a }\n    steps:\n      - run: a\n        command: "sleep 1000"\n        timeout: 2s\n`,
    exit: 1,
    quick: false,
  },
  {
    name: 'hang: expectations on a host lost in a fork storm',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - start: a\n    command: "(storm() { storm | storm; }; storm) 2>/dev/null"\n  - sleep: 2s\n  - expect:\n      - process: { host: a, running: storm }\n      - listening: { host: a, port: 80 }\n`,
    exit: 1,
    quick: false,
  },
  {
    name: 'fork storm, run step',
    body: `hosts:\n  a: { networks: { lan: .10 } }\n  b: { networks: { lan: .20 } }\nsteps:\n  - run: a\n    command: "(storm() { storm | storm; }; storm) 2>/dev/null"\n    timeout: 5s\n  - run: b\n    command: "echo the bystander answers"\n    expect: { stdout: "the bystander answers" }\n`,
    exit: 1,
    quick: true,
  },
  {
    name: 'memory hog (4 GB)',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "python3 -c 'b = bytearray(4 * 1024 ** 3)'"\n`,
    exit: 1,
    quick: true,
  },
  {
    // A folder holds at most half the host's memory: the filler meets its end, the host works on.
    name: 'disk filler, one folder',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "dd if=/dev/zero of=/tmp/fill bs=1M count=100000"\n    timeout: 60s\n    expect: { exit: 1, stderr: "No space left on device" }\n  - run: a\n    command: "echo still here"\n    expect: { stdout: "still here" }\n`,
    exit: 0,
    quick: true,
  },
  {
    // Every folder: the files fill the host's memory, and its memory limit ends the filler
    // (reported as such); the other host, and socklab, are untouched.
    name: 'disk filler, every writable folder',
    body: `hosts:\n  a: { networks: { lan: .10 } }\n  b: { networks: { lan: .20 } }\nsteps:\n  - run: a\n    command: "for dir in /tmp /root /lab /var/tmp /srv /home; do dd if=/dev/zero of=$dir/fill bs=1M count=100000; done"\n    timeout: 60s\n  - run: b\n    command: "echo the bystander answers"\n    expect: { stdout: "the bystander answers" }\n`,
    exit: 1,
    quick: false,
  },
  {
    name: 'closes its output and runs on, run step',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - run: a\n    command: "exec >&- 2>&-; sleep 1000"\n    timeout: 3s\n`,
    exit: 1,
    quick: true,
  },
  {
    name: 'closes its output and runs on, start step',
    body: `hosts:\n  a: { networks: { lan: .10 } }\nsteps:\n  - start: a\n    id: quiet\n    command: "echo bye; exec >&- 2>&-; sleep 1000"\n    wait_for: bye\n  - stop: quiet\n    expect: { stdout: bye }\n`,
    exit: 0,
    quick: false,
  },
];

/** The case as a scenario file: its own name and subnet, addresses written as `.N`. */
function scenarioFile(index: number, hostile: HostileCase): string {
  const subnet = `10.91.${80 + index}`;
  const text = `name: fault-program-${index}\nnetworks:\n  lan: { subnet: ${subnet}.0/24 }\n${hostile.body.replaceAll('lan: .', `lan: ${subnet}.`)}`;
  const file = join(scratch, `fault-program-${index}.yaml`);
  writeFileSync(file, text);
  return file;
}

export async function hostilePrograms(options: { quick: boolean; log: (line: string) => void }): Promise<Section> {
  const rows: string[][] = [];
  const cases = CASES.filter((hostile) => hostile.quick || !options.quick);
  for (const [index, hostile] of cases.entries()) {
    const file = scenarioFile(index, hostile);
    const result = await runSocklab(['run', '--out', join(scratch, 'runs'), file], { timeoutMs: 300_000 });
    const left = await leftoversAfter(0);
    const crash = crashed(result.output) ? 1 : 0;
    const unexpected = result.code === hostile.exit ? 0 : 1;
    const overMemory = result.peakMb >= MAX_PEAK_MB ? 1 : 0;
    rows.push([
      hostile.name,
      String(result.code ?? 'killed'),
      result.seconds.toFixed(1),
      result.peakMb.toFixed(0),
      String(left.length),
      String(crash),
      String(unexpected),
      String(overMemory),
    ]);
    options.log(
      `programs: ${hostile.name}: exit ${result.code} (expected ${hostile.exit}) in ${result.seconds.toFixed(1)} s, peak ${result.peakMb.toFixed(0)} MB, leftovers ${left.length}` +
        (crash || unexpected ? `\n${result.output.slice(-1500)}` : ''),
    );
    if (left.length > 0) await leftoversAfter(30_000);
  }
  return {
    title: 'Hostile programs',
    about:
      'Each case is a scenario whose program misbehaves, run with `socklab run` under `/usr/bin/time`. "exit" is socklab\'s (1 where a step or expectation fails by design); ' +
      `"unexpected" counts exits other than the designed one, "over memory" peaks of ${MAX_PEAK_MB} MB or more.`,
    columns: ['case', 'exit', 'seconds', 'peak MB', 'leftovers', 'crashes', 'unexpected', 'over memory'],
    rows,
    zeroColumns: ['leftovers', 'crashes', 'unexpected', 'over memory'],
  };
}
