// The rules of the steps, one check per step kind, over the scenario model: hosts and
// networks they name, program ids given before they are used, what a program step runs.
// Steps are checked in order (the model's visitor), so "started before this step" is known.
import { extname } from 'node:path';
import { dottedPath, type PathSegment } from './issues.js';
import { localFileProblem } from './local-files.js';
import { visitSteps, type CaptureStep, type ProgramStep, type Scenario, type Step, type StepVisitor } from './model.js';
import { MAX_PROGRAM_BYTES, PROGRAM_EXTENSIONS } from './program-path.js';
import { closest } from './schema-messages.js';

export type Report = (path: PathSegment[], message: string, atKey?: boolean) => void;

export const known = (record: Record<string, unknown>) => Object.keys(record).join(', ');

export function didYouMean(name: string, names: readonly string[]): string {
  const suggestion = closest(name, names);
  return suggestion ? ` (did you mean '${suggestion}'?)` : '';
}

/** Every program id given in the steps, with where, in step order. */
function idsGiven(steps: readonly Step[]): Map<string, string> {
  const given = new Map<string, string>();
  const note = (step: ProgramStep) => {
    if (step.id !== undefined && !given.has(step.id)) given.set(step.id, dottedPath(step.at));
  };
  visitSteps(steps, { start: note, run: note });
  return given;
}

export function checkSteps(scenario: Scenario, report: Report): void {
  const hosts = Object.keys(scenario.hosts);
  const started = new Set<string>();
  const ran = new Set<string>();
  const firstUse = new Map<string, string>(); // id -> dotted path of the step that gives it
  const given = idsGiven(scenario.steps); // also those given later
  const captures = new Map<string, CaptureStep>(); // capture id -> its step, once begun

  /** Whether `path` lies among the steps of `capture` (it has not ended there yet). */
  const inside = (capture: CaptureStep, path: PathSegment[]) =>
    path.length > capture.at.length && capture.at.every((segment, index) => path[index] === segment);

  /** Where an id that is not known yet is given later, as a hint to move a step. */
  const laterHint = (id: string, what: string) => {
    const later = given.get(id);
    return later ? `'${id}' is given only later (${later}); move ${what} after that step.` : undefined;
  };

  const checkHost = (path: PathSegment[], host: string, what = 'host') => {
    if (!hosts.includes(host)) report(path, `unknown ${what} '${host}'${didYouMean(host, hosts)}; declared hosts: ${hosts.join(', ')}.`);
  };

  /** stop and wait act on a background program: one begun by an earlier start step. */
  const checkBackgroundId = (path: PathSegment[], id: string, action: string) => {
    if (started.has(id)) return;
    if (ran.has(id)) {
      report(path, `'${id}' is a run step's program, which has finished before this step; only a program begun by a start step can be ${action}.`);
      return;
    }
    report(
      path,
      laterHint(id, 'this step') ??
        `no program was started with id '${id}' before this step${didYouMean(id, [...started])}; set 'id: ${id}' on the start step that begins it.`,
    );
  };

  /** What a start or run step runs, and its id. */
  const checkProgram = (step: ProgramStep) => {
    checkHost([...step.at, step.kind], step.host);
    if (step.programAndCommand) report(step.at, `give either 'program' or 'command', not both.`);
    else if (!step.program) report(step.at, `say what to run: add 'program: FILE' (.ts, .js, .py) or 'command: ...'.`);
    if (step.program?.kind === 'file') {
      const { written, location } = step.program;
      const path = [...step.at, 'program'];
      if (!PROGRAM_EXTENSIONS.includes(extname(written))) {
        report(path, `'${written}' is not a program socklab can run; use a .ts, .js or .py file, or 'command:'.`);
      } else if (location.kind === 'outside') {
        report(path, `'${written}' is outside the scenario's folder; keep programs beside the scenario.`);
      } else if (location.kind === 'missing') {
        const where = location.searched.length > 1 ? "neither in the scenario's folder nor in socklab's programs/ folder" : "not in the scenario's folder";
        report(path, `program '${written}' is ${where}; check the path (it is relative to the scenario).`);
      } else if (location.kind !== 'found') {
        report(path, localFileProblem('program', written, location, MAX_PROGRAM_BYTES));
      }
    }
    if (step.id !== undefined) {
      const first = firstUse.get(step.id);
      if (first) report([...step.at, 'id'], `id '${step.id}' is already used at ${first}; give each program its own id.`);
      else firstUse.set(step.id, step.at.join('.'));
    }
  };

  const checks: StepVisitor = {
    start(step) {
      checkProgram(step);
      if (step.waitFor && !step.waitFor.text && step.waitFor.port === undefined) {
        report([...step.at, 'wait_for'], `say what to wait for: 'output: TEXT', 'regex: PATTERN' or 'port: NUMBER' (a port that starts listening).`);
      }
      if (!step.waitFor && step.timeoutWritten) {
        // A start step does not wait for its program; its timeout only bounds wait_for.
        report([...step.at, 'timeout'], `'timeout' on a start step limits 'wait_for', and this step has none; add 'wait_for' or remove 'timeout'.`);
      }
      if (step.id) started.add(step.id);
    },
    run(step) {
      checkProgram(step);
      if (step.id) ran.add(step.id);
    },
    observe(step) {
      for (const host of step.hosts) checkHost(host.at, host.name);
      if (step.showAndCommand) {
        // The command would win and the views listed in `show` would silently not appear.
        report(
          [...step.at, 'observe', 'command'],
          `give either 'show' (the standard views) or 'command' (one command of your own), not both; make two observe steps to see both.`,
        );
      }
    },
    stop(step) {
      checkBackgroundId([...step.at, 'stop'], step.id, 'stopped');
    },
    wait(step) {
      checkBackgroundId([...step.at, 'wait'], step.id, 'waited for');
    },
    expect(step) {
      for (const { expectation, at } of step.expectations) {
        if ('output' in expectation) {
          const id = expectation.output.of;
          if (!started.has(id) && !ran.has(id)) {
            report(
              [...at, 'output', 'of'],
              laterHint(id, 'this expectation') ??
                `no program with id '${id}' runs before this step${didYouMean(id, [...started, ...ran])}; set 'id: ${id}' on its start or run step.`,
            );
          }
        } else if ('connection' in expectation) {
          const connection = expectation.connection;
          checkHost([...at, 'connection', 'host'], connection.host);
          const counts = (['absent', 'count', 'at_least'] as const).filter((key) => connection[key] !== undefined);
          if (counts.length > 1)
            report([...at, 'connection', counts[1]!], `give one of 'absent', 'count' or 'at_least', not ${counts.map((key) => `'${key}'`).join(' and ')}.`);
          if (connection.distinct && connection.count === undefined && connection.at_least === undefined) {
            report(
              [...at, 'connection', 'distinct'],
              `'distinct' says what to count: add 'count: N' or 'at_least: N' (e.g. distinct: remote_port with count: 2).`,
            );
          }
        } else if ('packets' in expectation) {
          const packets = expectation.packets;
          const capture = captures.get(packets.capture);
          if (!capture) {
            report(
              [...at, 'packets', 'capture'],
              `no capture with id '${packets.capture}' before this step${didYouMean(packets.capture, [...captures.keys()])}; set 'id: ${packets.capture}' on the capture step, and check its packets after it.`,
            );
          } else if (inside(capture, at)) {
            report(
              [...at, 'packets', 'capture'],
              `capture '${packets.capture}' is still recording here; its packets are counted once it ends, so move this expectation after the capture step.`,
            );
          } else if (packets.network !== undefined && !capture.networks?.includes(packets.network)) {
            report(
              [...at, 'packets', 'network'],
              capture.networks
                ? `capture '${packets.capture}' records on ${capture.networks.join(', ')}, not on '${packets.network}'.`
                : `capture '${packets.capture}' records all interfaces at once; to count one network's packets, list it in the capture's 'networks'.`,
            );
          }
          const counts = (['none', 'count', 'at_least'] as const).filter((key) => packets[key] !== undefined);
          if (counts.length === 0) report([...at, 'packets'], `say how many packets: 'count: N', 'at_least: N' or 'none: true'.`);
          if (counts.length > 1)
            report([...at, 'packets', counts[1]!], `give one of 'none', 'count' or 'at_least', not ${counts.map((key) => `'${key}'`).join(' and ')}.`);
        } else if ('listening' in expectation) {
          checkHost([...at, 'listening', 'host'], expectation.listening.host);
        } else if ('process' in expectation) {
          checkHost([...at, 'process', 'host'], expectation.process.host);
          if (!expectation.process.running === !expectation.process.not_running) report([...at, 'process'], `give exactly one of 'running' or 'not_running'.`);
          else if (expectation.process.absent && !expectation.process.running)
            report([...at, 'process', 'absent'], `'absent' goes with 'running: NAME' (no such process); 'not_running' says the same alone.`);
        } else {
          const router = expectation.translation.router;
          checkHost([...at, 'translation', 'router'], router, 'router');
          if (hosts.includes(router) && scenario.hosts[router]!.role !== 'router') {
            report([...at, 'translation', 'router'], `'${router}' is not a router; translations happen on hosts with 'role: router'.`);
          }
        }
      }
    },
    capture(step) {
      if (step.hostsUnclear) {
        report([...step.at, 'capture'], `say where to capture: 'host: NAME', or 'hosts: all' (or a list of hosts), not both.`);
      }
      for (const host of step.hosts) checkHost(host.at, host.name);
      if (step.id !== undefined) {
        if (captures.has(step.id))
          report(
            [...step.at, 'capture', 'id'],
            `capture id '${step.id}' is already used at ${dottedPath(captures.get(step.id)!.at)}; give each capture its own id.`,
          );
        else captures.set(step.id, step);
      }
      const captured = step.hosts.filter((host) => scenario.hosts[host.name]);
      step.networks?.forEach((network, index) => {
        const path = [...step.at, 'capture', 'networks', index];
        if (!scenario.networks[network]) {
          report(path, `unknown network '${network}'${didYouMean(network, Object.keys(scenario.networks))}; declared networks: ${known(scenario.networks)}.`);
        } else if (captured.length > 0 && !captured.some((host) => network in scenario.hosts[host.name]!.networks)) {
          const which = captured.length === 1 ? `'${captured[0]!.name}' is` : 'none of the hosts captured on is';
          const on = captured.length === 1 ? ` (it is on: ${Object.keys(scenario.hosts[captured[0]!.name]!.networks).join(', ')})` : '';
          report(path, `${which} not on network '${network}'${on}.`);
        }
      });
      // A host named in a list records something only on a network it is on ('all' skips those that are not).
      if (step.networks && !step.everyHost && captured.length > 1) {
        for (const host of captured) {
          if (!step.networks.some((network) => network in scenario.hosts[host.name]!.networks)) {
            report(host.at, `'${host.name}' is on none of the networks captured (${step.networks.join(', ')}); remove it or add one of its networks.`);
          }
        }
      }
    },
  };
  visitSteps(scenario.steps, checks);
}
