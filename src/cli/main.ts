// The socklab command line: a table of commands, each a lazily imported async function
// returning an exit code; one catch maps errors to exit codes (cli/errors.ts).
import { Command } from 'commander';
import { reportError } from './errors.js';

const program = new Command();
program
  .name('socklab')
  .description('A containerised network lab: socket lessons on real hosts, with real addresses, NAT and captures')
  .showHelpAfterError();

/** Wraps a command so its exit code (or error) ends the process. */
const action =
  <A extends unknown[]>(run: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    let code: number;
    try {
      code = await run(...args);
    } catch (error) {
      code = reportError(error);
    }
    process.exitCode = code;
  };

program
  .command('run')
  .description('bring a scenario up, run its steps, show what each host sees, check expectations, tear down')
  .argument('<scenario>', 'scenario file (YAML)')
  .option('--keep', 'leave the lab up after the steps (remove it with socklab down)')
  .option('--out <dir>', 'folder for captures and reports', '.socklab/runs')
  .action(action(async (file: string, options: { keep?: boolean; out?: string }) => (await import('./commands/run.js')).runCommand(file, options)));

program
  .command('validate')
  .description('check scenario files without an engine: YAML, schema and rules, with line and column')
  .argument('<files...>', 'scenario files')
  .option('--json', 'print the issues as JSON')
  .action(action(async (files: string[], options: { json?: boolean }) => (await import('./commands/validate.js')).validateCommand(files, options)));

program
  .command('cleanup')
  .description('remove every container, network and host rule socklab created (all labs)')
  .action(action(async () => (await import('./commands/cleanup.js')).cleanupCommand()));

const image = program.command('image').description('the lab image');
image
  .command('build')
  .description('build the lab image (skipped when the current one is present)')
  .option('--force', 'rebuild even when present')
  .action(action(async (options: { force?: boolean }) => (await import('./commands/image.js')).imageBuildCommand(options)));
image
  .command('show')
  .description('show the lab image tag and whether it is present')
  .action(action(async () => (await import('./commands/image.js')).imageShowCommand()));

await program.parseAsync(process.argv);
