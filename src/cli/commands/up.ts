// `socklab up SCENARIO [--name NAME] [--copies N]`: bring a lab up with its setup (networks,
// hosts, routes, NAT and the scenario's `start` steps), or N copies of it side by side, print
// their hosts and return, leaving them running for exec, shell, logs, capture... from any
// terminal, until `socklab down`.
import { loadScenario } from '../../scenario/load.js';
import { askEngineAhead, prepareEngine } from '../../session/engine.js';
import { labNames, upLabs } from '../../session/up.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible } from '../interrupts.js';
import { formatLab } from '../lab-table.js';
import { consoleStyle, imageProgress } from '../style.js';

export interface UpOptions {
  replace?: boolean;
  name?: string;
  copies?: number;
}

/** Every line of `text` after the first prefixed, so the output of several labs can be told apart. */
const prefixed = (prefix: string, write: (text: string) => void) => (text: string) =>
  write(
    text
      .split('\n')
      .map((line, index, lines) => (index === lines.length - 1 && line === '' ? line : `${prefix}${line}`))
      .join('\n'),
  );

/** What to do next, one command a line, the explanations aligned. */
function hintLines(hints: [string, string][]): string {
  const width = Math.max(...hints.map(([command]) => command.length)) + 3;
  return hints.map(([command, what]) => `  ${command.padEnd(width)}${what}\n`).join('');
}

export async function upCommand(file: string, options: UpOptions): Promise<number> {
  const started = performance.now();
  askEngineAhead();
  const loaded = await loadScenario(file);
  const names = labNames(loaded.scenario.name, options);
  const style = consoleStyle();
  const hosts = Object.keys(loaded.scenario.hosts);
  const write = (text: string) => process.stdout.write(text);
  const reporter = (name: string) => new ConsoleReporter(hosts, style, names.length > 1 ? prefixed(style.dim(`${name} `), write) : write);
  const interruption = interruptible((signal) => process.stdout.write(style.dim(`${signal} received: removing what was made\n`)));
  const { signal } = interruption;
  try {
    const { runtime, image } = await prepareEngine(imageProgress, signal);
    const labs = await upLabs({ runtime, loaded, image, reporter, signal, replace: options.replace, name: options.name, copies: options.copies });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (labs.length === 1) {
      const [status] = labs;
      process.stdout.write(`\n${formatLab(status!, style)}`);
      const someHost = status!.hosts[0]?.name ?? 'HOST';
      const hints: [string, string][] = [
        ['socklab status', 'what runs where'],
        [`socklab exec ${status!.name}/${someHost} -- CMD...`, 'run a command in a host (also: shell, netstat, ps, logs, capture)'],
        [`socklab down ${status!.name}`, 'remove the lab'],
      ];
      process.stdout.write(style.green(`✔ lab ${status!.name} is up (run ${status!.runId}, ${seconds} s)\n`) + hintLines(hints));
      return EXIT.ok;
    }
    const stem = options.name ?? loaded.scenario.name;
    const someHost = labs[0]!.hosts[0]?.name ?? 'HOST';
    const hints: [string, string][] = [
      ['socklab status', 'what runs where'],
      [`socklab exec ${labs[1]?.name ?? labs[0]!.name}/${someHost} -- CMD...`, "a command in one copy's host"],
      [`socklab down '${stem}-*'`, 'remove them all'],
    ];
    process.stdout.write(
      `\n${style.green(`✔ ${labs.length} copies of ${loaded.scenario.name} are up in ${seconds} s: ${labs.map((lab) => lab.name).join(', ')}`)}\n` +
        `  each has the lesson's own addresses; they cannot reach one another.\n` +
        hintLines(hints),
    );
    return EXIT.ok;
  } catch (error) {
    const received = interruption.received();
    if (received) return INTERRUPTED_EXIT[received];
    throw error;
  } finally {
    interruption.dispose();
  }
}
