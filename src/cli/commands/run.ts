// `socklab run SCENARIO`: bring the lab up, run the steps, show and check, tear down.
import { loadScenario } from '../../scenario/load.js';
import { verdictLine } from '../../lab/reporter.js';
import { join } from 'node:path';
import { shortPath } from '../../util/paths.js';
import { REPORT_FILES } from '../../report/write.js';
import { openInBrowser } from '../open.js';
import { askEngineAhead, prepareEngine } from '../../session/engine.js';
import { runLesson } from '../../session/lesson.js';
import { ConsoleReporter } from '../console-reporter.js';
import { EXIT, describeError, exitCodeOf } from '../errors.js';
import { INTERRUPTED_EXIT, interruptible } from '../interrupts.js';
import { consoleStyle, imageProgress } from '../style.js';

export interface RunCommandOptions {
  keep?: boolean;
  out?: string;
  /** The results as JSON on stdout; what a run shows goes to stderr. */
  json?: boolean;
  open?: boolean;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  askEngineAhead();
  const loaded = await loadScenario(file);
  const style = consoleStyle();
  // With --json, stdout holds the one results object; everything a person reads goes to stderr.
  const show = (text: string) => (options.json ? process.stderr : process.stdout).write(text);
  const reporter = new ConsoleReporter(Object.keys(loaded.scenario.hosts), style, show);
  const interruption = interruptible((signal) => reporter.info(`${signal} received: stopping and tearing the lab down`));
  try {
    const { runtime, image } = await prepareEngine(imageProgress, interruption.signal);
    reporter.info(`scenario ${loaded.scenario.name}: ${loaded.scenario.description ?? file}`);
    const outcome = await runLesson({ runtime, loaded, image, reporter, signal: interruption.signal, outputRoot: options.out, keep: options.keep });
    const failed = outcome.verdicts.filter((verdict) => verdict.failures.length > 0);
    const interrupted = interruption.received();
    if (interrupted) return INTERRUPTED_EXIT[interrupted];
    reporter.info(`report, captures and program output: ${shortPath(outcome.outputDir)}/ (open ${shortPath(join(outcome.outputDir, REPORT_FILES.html))})`);
    if (options.json) process.stdout.write(`${JSON.stringify(outcome.results)}\n`);
    if (options.open) reporter.info(await openInBrowser(join(outcome.outputDir, REPORT_FILES.html)));
    const summary = `${outcome.verdicts.length - failed.length} passed, ${failed.length} failed (${outcome.seconds.toFixed(1)} s)`;
    if (outcome.error) {
      show(style.red(`✘ ${summary}; stopped early: ${describeError(outcome.error)}\n`));
      for (const verdict of failed) show(style.red(`  ${verdictLine(verdict)}\n`));
      return exitCodeOf(outcome.error);
    }
    if (failed.length > 0) {
      show(style.red(`✘ ${summary}\n`));
      for (const verdict of failed) show(style.red(`  ${verdictLine(verdict)}\n`));
      return EXIT.failed;
    }
    show(style.green(`✔ ${summary}\n`));
    return EXIT.ok;
  } catch (error) {
    const interrupted = interruption.received();
    if (interrupted) return INTERRUPTED_EXIT[interrupted];
    throw error;
  } finally {
    interruption.dispose();
  }
}
