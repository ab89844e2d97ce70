// `socklab doctor [--fix]`: is this machine ready for labs? Each check prints a verdict and,
// when something is wrong, the fix. Exit 0 when nothing fails (warnings allowed), 3 naming
// the failed checks otherwise. --fix starts/installs the engine (scripts/ensure-docker.sh)
// and builds the lab image where that is possible, then checks again.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureLabImage } from '../../image/lab-image.js';
import { runChecks, type CheckResult, type Verdict } from '../../doctor/checks.js';
import { SOCKLAB_ROOT } from '../../util/paths.js';
import { engine } from '../../session/engine.js';
import { EXIT } from '../errors.js';
import { consoleStyle, imageProgress } from '../style.js';

const SYMBOL: Record<Verdict, string> = { ok: '✔', warn: '!', fail: '✘', skip: '-' };

export function formatChecks(results: CheckResult[], style = consoleStyle()): string {
  const width = Math.max(...results.map((result) => result.name.length)) + 2;
  const paint = (verdict: Verdict, text: string) =>
    verdict === 'ok' ? style.green(text) : verdict === 'fail' ? style.red(text) : verdict === 'skip' ? style.dim(text) : style.bold(text);
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${paint(result.verdict, SYMBOL[result.verdict])} ${result.name.padEnd(width)}${result.detail}`);
    if (result.fix && result.verdict !== 'ok') lines.push(`  ${' '.repeat(width)}${style.dim('fix:')} ${result.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

export function summary(results: CheckResult[]): { healthy: boolean; text: string } {
  const failed = results.filter((result) => result.verdict === 'fail').map((result) => result.name);
  const warned = results.filter((result) => result.verdict === 'warn').map((result) => result.name);
  const warnings = warned.length ? ` (warnings: ${warned.join(', ')})` : '';
  if (failed.length === 0) return { healthy: true, text: `healthy: socklab can run labs here${warnings}` };
  return { healthy: false, text: `${failed.length} problem(s): ${failed.join(', ')}${warnings}. Apply the fixes above, or run socklab doctor --fix.` };
}

function runEngineScript(): Promise<number> {
  const script = join(SOCKLAB_ROOT, 'scripts', 'ensure-docker.sh');
  return new Promise((resolve) => {
    // Its progress goes to our stderr; stdout stays for the report.
    const child = spawn('bash', [script], { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export async function doctorCommand(options: { fix?: boolean }): Promise<number> {
  const runtime = engine();
  const style = consoleStyle();
  let results = await runChecks(runtime);
  process.stdout.write(formatChecks(results, style));

  if (options.fix) {
    const repairs = new Set(results.flatMap((result) => (result.verdict === 'fail' && result.repair ? [result.repair] : [])));
    if (repairs.has('engine')) {
      process.stdout.write('\nfix: starting the engine (scripts/ensure-docker.sh)\n');
      const code = await runEngineScript();
      if (code !== 0) process.stdout.write(style.red(`scripts/ensure-docker.sh failed (exit ${code}); see its messages above\n`));
      // With an engine, the image may turn out to be missing too.
      if (code === 0) results = await runChecks(runtime);
    }
    if (results.some((result) => result.verdict === 'fail' && result.repair === 'image')) {
      process.stdout.write('\nfix: building the lab image\n');
      const built = await ensureLabImage(runtime, imageProgress).catch((error: Error) => error);
      process.stdout.write(
        built instanceof Error ? style.red(`the image build failed: ${built.message}\n`) : `built ${built.ref} in ${built.seconds.toFixed(1)} s\n`,
      );
    }
    if (repairs.size > 0) {
      process.stdout.write('\nchecking again:\n');
      results = await runChecks(runtime);
      process.stdout.write(formatChecks(results, style));
    }
  }

  const verdict = summary(results);
  process.stdout.write(`\n${verdict.healthy ? style.green(verdict.text) : style.red(verdict.text)}\n`);
  return verdict.healthy ? EXIT.ok : EXIT.environment;
}
