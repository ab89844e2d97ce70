// `socklab up SCENARIO`: bring a lab up with its setup (networks, hosts, routes, NAT and the
// scenario's `start` steps), print its hosts and return, leaving it running for exec,
// shell, logs, capture... from any terminal, until `socklab down`.
import { loadScenario } from '../../scenario/load.js';
import { prepareEngine } from '../../session/engine.js';
import { upLab } from '../../session/up.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible } from '../interrupts.js';
import { formatLab } from '../lab-table.js';
import { consoleStyle, imageProgress } from '../style.js';

export interface UpOptions {
  replace?: boolean;
}

export async function upCommand(file: string, options: UpOptions): Promise<number> {
  const started = performance.now();
  const loaded = await loadScenario(file);
  const name = loaded.scenario.name;
  const style = consoleStyle();
  const reporter = new ConsoleReporter(Object.keys(loaded.scenario.hosts), style);
  const interruption = interruptible((signal) => reporter.info(`${signal} received: removing what was made`));
  const { signal } = interruption;
  try {
    const { runtime, image } = await prepareEngine(imageProgress, signal);
    const status = await upLab({ runtime, loaded, image, reporter, signal, replace: options.replace });
    process.stdout.write(`\n${formatLab(status, style)}`);
    const someHost = status.hosts[0]?.name ?? 'HOST';
    const hints: [string, string][] = [
      ['socklab status', 'what runs where'],
      [`socklab exec ${someHost} -- CMD...`, 'run a command in a host (also: shell, netstat, ps, logs, capture)'],
      [`socklab down ${name}`, 'remove the lab'],
    ];
    const width = Math.max(...hints.map(([command]) => command.length)) + 3;
    process.stdout.write(
      style.green(`✔ lab ${name} is up (run ${status.runId}, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`) +
        hints.map(([command, what]) => `  ${command.padEnd(width)}${what}\n`).join(''),
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
