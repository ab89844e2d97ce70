// `socklab run SCENARIO`: bring the lab up, run the steps, show and check, tear down.
import { loadScenario } from '../../scenario/load.js';
import { verdictLine } from '../../lab/reporter.js';
import { shortPath } from '../../util/paths.js';
import { prepareEngine } from '../../session/engine.js';
import { runLesson } from '../../session/lesson.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT, describeError, exitCodeOf } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible } from '../interrupts.js';
import { consoleStyle, imageProgress } from '../style.js';

export interface RunCommandOptions {
  keep?: boolean;
  out?: string;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const loaded = await loadScenario(file);
  const style = consoleStyle();
  const reporter = new ConsoleReporter(Object.keys(loaded.scenario.hosts), style);
  const interruption = interruptible((signal) => reporter.info(`${signal} received: stopping and tearing the lab down`));
  try {
    const { runtime, image } = await prepareEngine(imageProgress, interruption.signal);
    reporter.info(`scenario ${loaded.scenario.name}: ${loaded.scenario.description ?? file}`);
    const outcome = await runLesson({ runtime, loaded, image, reporter, signal: interruption.signal, outputRoot: options.out, keep: options.keep });
    const failed = outcome.verdicts.filter((verdict) => verdict.failures.length > 0);
    const interrupted = interruption.received();
    if (interrupted) return INTERRUPTED_EXIT[interrupted];
    reporter.info(`report, captures and program output: ${shortPath(outcome.outputDir)}/`);
    const summary = `${outcome.verdicts.length - failed.length} passed, ${failed.length} failed (${outcome.seconds.toFixed(1)} s)`;
    if (outcome.error) {
      process.stdout.write(style.red(`✘ ${summary}; stopped early: ${describeError(outcome.error)}\n`));
      for (const verdict of failed) process.stdout.write(style.red(`  ${verdictLine(verdict)}\n`));
      return exitCodeOf(outcome.error);
    }
    if (failed.length > 0) {
      process.stdout.write(style.red(`✘ ${summary}\n`));
      for (const verdict of failed) process.stdout.write(style.red(`  ${verdictLine(verdict)}\n`));
      return EXIT.failed;
    }
    process.stdout.write(style.green(`✔ ${summary}\n`));
    return EXIT.ok;
  } catch (error) {
    const interrupted = interruption.received();
    if (interrupted) return INTERRUPTED_EXIT[interrupted];
    throw error;
  } finally {
    interruption.dispose();
  }
}
