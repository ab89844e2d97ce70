// `socklab exec HOST -- COMMAND...`: runs a command in a host of a lab that is up, with
// its output streamed as it comes; the command's exit code is socklab's. Ctrl+C reaches
// the command in the host (and a second one kills it).
import { forwardSignals, runForeground } from '../../lab/foreground.js';
import { EXIT } from '../errors.js';
import { findHost } from '../lab-target.js';

/** The command after the host: commander keeps a leading `--`, which is ours, not the command's. */
export function commandAfterHost(words: string[]): string[] {
  return words[0] === '--' ? words.slice(1) : words;
}

export async function execCommand(target: string, words: string[]): Promise<number> {
  const argv = commandAfterHost(words);
  if (argv.length === 0) {
    process.stderr.write(`socklab: say what to run, e.g. socklab exec ${target} -- netstat -tan\n`);
    return EXIT.invalid;
  }
  const { runtime, host } = await findHost(target);
  return runInHost(runtime, host.container, argv);
}

/** Runs argv in a container as the foreground job: output to ours, signals forwarded. */
export async function runInHost(runtime: Parameters<typeof runForeground>[0], container: string, argv: string[]): Promise<number> {
  const command = runForeground(runtime, container, argv, {
    onStdout: (chunk) => process.stdout.write(chunk),
    onStderr: (chunk) => process.stderr.write(chunk),
  });
  const stopForwarding = forwardSignals(command);
  try {
    return await command.done;
  } finally {
    stopForwarding();
  }
}
