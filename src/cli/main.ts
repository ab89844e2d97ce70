// The socklab command line: a table of commands, each a lazily imported async function
// returning an exit code; one catch maps errors to exit codes (cli/errors.ts).
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, reportError } from './errors.js';
import { say } from './interrupts.js';
import { SOCKLAB_ROOT } from '../util/paths.js';
import type { TestCommandOptions } from './commands/test.js';

const { version } = JSON.parse(readFileSync(join(SOCKLAB_ROOT, 'package.json'), 'utf8')) as { version: string };

const program = new Command();
program
  .name('socklab')
  .version(version)
  .description('A containerised network lab: socket lessons on real hosts, with real addresses, NAT and captures')
  .showHelpAfterError()
  // Lets `socklab exec HOST -- CMD -x` hand `-x` to CMD instead of parsing it as ours.
  .enablePositionalOptions()
  // Command-line mistakes end in the catch at the bottom (exit 2), not in commander's exit 1.
  .exitOverride();

/** Collects a repeatable option's values. */
const collect = (value: string, previous: string[]) => [...previous, value];

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

/** How long a command that has finished may take to wind down before the process ends anyway. */
const WIND_DOWN_MS = 3_000;

/**
 * A finished command ends the process by leaving nothing to do, so that every write and
 * removal settles first. Should a handle stay open (a connection the engine never closed, a
 * library's timer), the command is still over: end it after a grace rather than hang a
 * script or a class's terminal. The timer itself keeps nothing alive. SOCKLAB_TRACE names
 * what was still open, for the bug report.
 */
function endSoonAfter(): void {
  setTimeout(async () => {
    // Loaded only then: it is for a bug report, not for every start.
    if (process.env.SOCKLAB_TRACE) {
      const { describeOpenHandles } = await import('../util/open-handles.js');
      say(`socklab: still open ${WIND_DOWN_MS / 1000} s after the command ended: ${describeOpenHandles()}\n`);
    }
    process.exit();
  }, WIND_DOWN_MS).unref();
}

program
  .command('run')
  .description('bring a scenario up, run its steps, show what each host sees, check expectations, tear down')
  .argument('<scenario>', 'scenario file (YAML)')
  .option('--keep', 'leave the lab up after the steps (remove it with socklab down)')
  .option('--out <dir>', 'folder for captures and reports', '.socklab/runs')
  .option('--json', 'print the results as one JSON object on stdout (schema/results.schema.json); the run goes to stderr')
  .option('--open', 'open report.html in the browser when the run ends (when a desktop is there)')
  .action(
    action(async (file: string, options: { keep?: boolean; out?: string; json?: boolean; open?: boolean }) =>
      (await import('./commands/run.js')).runCommand(file, options),
    ),
  );

program
  .command('init')
  .description('write a starter lesson folder (a scenario, a server and a client, a README) that passes socklab test')
  .argument('[dir]', 'the folder to write (made if absent)', 'my-lesson')
  .action(action(async (dir: string) => (await import('./commands/init.js')).initCommand(dir)));

program
  .command('export')
  .description("write a scenario in another tool's format")
  .command('compose')
  .description(
    "the scenario's networks, hosts, addresses, capabilities and setup as a Compose file (steps and expectations are not: Compose cannot express them)",
  )
  .argument('<scenario>', 'scenario file (YAML)')
  .option('-o, --output <file>', 'write the Compose file here (default: standard output)')
  .action(action(async (file: string, options: { output?: string }) => (await import('./commands/export.js')).exportComposeCommand(file, options)));

program
  .command('report')
  .description("remake a run's report.html and report.md from its report.json")
  .argument('<run-folder>', 'the folder of a run (.socklab/runs/NAME-RUN)')
  .option('--open', 'open report.html in the browser (when a desktop is there)')
  .action(action(async (folder: string, options: { open?: boolean }) => (await import('./commands/report.js')).reportCommand(folder, options)));

program
  .command('validate')
  .description('check scenario files without an engine: YAML, schema and rules, with line and column')
  .argument('<files...>', 'scenario files')
  .option('--json', 'print the issues as JSON')
  .action(action(async (files: string[], options: { json?: boolean }) => (await import('./commands/validate.js')).validateCommand(files, options)));

// The lesson library: run many scenarios as a suite, and list the bundled lessons.
program
  .command('test')
  .description(
    "run scenarios, several at a time, and print a pass/fail table with durations; grade students' programs against a lesson; exit 0 only if all pass",
  )
  .argument('[paths...]', 'scenario files or folders of them (default: the bundled lessons); one lesson with --program or --students')
  .option('--jobs <n>', 'how many labs may run at once (default: the number of CPUs)')
  .option('--verbose', "show every run's output as `socklab run` does (with several jobs, each run whole when it ends)")
  .option('--json', 'print the results as one JSON object on stdout (the rest goes to stderr)')
  .option('--junit <file>', 'write the results as JUnit XML to FILE')
  .option(
    '--program <id=path>',
    "run the lesson with PATH in place of the program of its step ID (repeatable); with --students, PATH is a file name in each student's folder",
    collect,
    [],
  )
  .option('--students <dir>', "grade every sub-folder of DIR: the lesson run with that student's programs (see docs/grading.md)")
  .option('--out <dir>', 'folder for captures and reports', '.socklab/runs')
  .action(action(async (paths: string[], options: TestCommandOptions) => (await import('./commands/test.js')).testCommand(paths, options)));

program
  .command('list')
  .description('list the bundled lessons with what each one shows')
  .argument('[folder]', 'a folder of scenarios instead of the bundled lessons')
  .option('--json', 'print JSON for tools')
  .action(action(async (folder: string | undefined, options: { json?: boolean }) => (await import('./commands/list.js')).listCommand(folder, options)));

// Keeping a lab up and exploring it: the lab lives on the engine, found by labels.
program
  .command('up')
  .description("bring a lab up with its setup (networks, hosts, routes, NAT, the scenario's start steps) and leave it running")
  .argument('<scenario>', 'scenario file (YAML)')
  .option('--name <name>', "the lab's name (default: the scenario's); with --copies, the copies' common stem")
  .option('--copies <n>', "bring up n copies side by side, NAME-1..NAME-n, each with the lesson's own addresses", (value) => Number(value))
  .option('--replace', 'tear down the labs of the same names first if they are up')
  .action(
    action(async (file: string, options: { replace?: boolean; name?: string; copies?: number }) => (await import('./commands/up.js')).upCommand(file, options)),
  );

program
  .command('status')
  .description('the labs that are up: hosts, addresses and the programs running in each')
  .argument('[lab]', 'only this lab (its name or run id)')
  .option('--json', 'print JSON for tools')
  .option('--watch', 'redraw in place until Ctrl+C')
  .option('--interval <seconds>', 'seconds between redraws with --watch', '2')
  .action(
    action(async (lab: string | undefined, options: { json?: boolean; watch?: boolean; interval?: string }) =>
      (await import('./commands/status.js')).statusCommand(lab, options),
    ),
  );

program
  .command('exec')
  .description('run a command in a host of a lab that is up; exits with its exit code')
  .argument('<host>', 'HOST, or LAB/HOST when several labs are up')
  .argument('<command...>', 'the command, after --')
  .usage('<host> -- <command...>')
  .passThroughOptions()
  .action(action(async (host: string, command: string[]) => (await import('./commands/exec.js')).execCommand(host, command)));

program
  .command('shell')
  .description('an interactive shell in a host (bash, else sh), resizing with the terminal')
  .argument('<host>', 'HOST, or LAB/HOST when several labs are up')
  .action(action(async (host: string) => (await import('./commands/shell.js')).shellCommand(host)));

program
  .command('netstat')
  .description("a host's sockets (netstat -tuanp)")
  .argument('<host>', 'HOST, or LAB/HOST')
  .option('--raw', "everything, Docker's DNS resolver sockets included (hidden by default)")
  .action(action(async (host: string, options: { raw?: boolean }) => (await import('./commands/shortcuts.js')).shortcutCommand('netstat', host, options)));

program
  .command('ps')
  .description("a host's processes (ps aux); with no host or a lab's name, the same as status")
  .argument('[host]', 'HOST, LAB/HOST, or a lab')
  .option('--json', 'with no host: print the status as JSON')
  .option('--raw', "everything, Docker's and socklab's own processes included (hidden by default)")
  .action(
    action(async (host: string | undefined, options: { json?: boolean; raw?: boolean }) => (await import('./commands/shortcuts.js')).psCommand(host, options)),
  );

program
  .command('conntrack')
  .description("a router's connection tracking table: the NAT translations (conntrack -L)")
  .argument('<router>', 'ROUTER, or LAB/ROUTER')
  .action(action(async (host: string) => (await import('./commands/shortcuts.js')).shortcutCommand('conntrack', host)));

program
  .command('capture')
  .description('capture packets on a host; writes a pcap and prints the decoded packets')
  .argument('<host>', 'HOST, or LAB/HOST')
  .option('--network <name>', 'only the interface on this scenario network')
  .option('--iface <name>', "only this interface (eth0, eth1...; 'any' for all)")
  .option('--seconds <n>', 'stop after n seconds (default: at Ctrl+C)')
  .option('--filter <expr>', 'tcpdump filter, e.g. "tcp port 80" (default: all but IPv6)')
  .option('--out <dir>', 'folder for the pcap and its text', '.socklab/captures')
  .action(action(async (host: string, options: Record<string, string>) => (await import('./commands/capture.js')).captureCommand(host, options)));

program
  .command('logs')
  .description('the output of the programs started on a host, each line prefixed with the program id')
  .argument('<host>', 'HOST, or LAB/HOST')
  .option('-f, --follow', 'keep printing new output until Ctrl+C')
  .action(action(async (host: string, options: { follow?: boolean }) => (await import('./commands/logs.js')).showLogsCommand(host, options)));

program
  .command('down')
  .description('tear labs down completely: containers, networks and host rules')
  .argument('[labs...]', "lab names, run ids or globs ('class-*'); needed when several labs are up")
  .option('--all', 'remove everything socklab owns (every lab), like cleanup --all')
  .action(action(async (labs: string[], options: { all?: boolean }) => (await import('./commands/down.js')).downCommand(labs, options)));

program
  .command('doctor')
  .description('check that labs can run here (engine, image, container rights, netem, subnets, leftovers), with a fix for each problem')
  .option('--fix', 'start or install the engine and build the lab image where possible')
  .action(action(async (options: { fix?: boolean }) => (await import('./commands/doctor.js')).doctorCommand(options)));

program
  .command('cleanup')
  .description('remove what socklab left behind (runs whose socklab process died); keeps runs in progress and labs up on purpose')
  .option('--all', 'remove every container, network and host rule socklab created, every lab included')
  .action(action(async (options: { all?: boolean }) => (await import('./commands/cleanup.js')).cleanupCommand(options)));

// The reaper's work (lab/reaper.ts): started by a watcher when a socklab process died.
program
  .command('__reap', { hidden: true })
  .argument('<runs...>')
  .requiredOption('--image <image>')
  .action(action(async (runs: string[], options: { image: string }) => (await import('./commands/reap.js')).reapCommand(runs, options)));

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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // commander has printed the mistake and the help; asking for help or the version is no mistake.
  process.exitCode = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.invalid;
}
endSoonAfter();
