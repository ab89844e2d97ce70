// `socklab exec HOST -- COMMAND...`: runs a command in a host of a lab that is up, with
// its output streamed as it comes (never held in memory); the command's exit code is
// socklab's. It runs as a user program does (on hosts that are not routers, without the
// network privileges), in a process group of its own: Ctrl+C reaches the whole group in
// the host, and a second one kills it.
import type { HostProcesses } from '../../in-host/in-host.js';
import { EXIT, UsageError } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { findHost } from '../../session/labs.js';

/** The command after the host: commander keeps a leading `--`, which is ours, not the command's. */
export function commandAfterHost(words: string[]): string[] {
  return words[0] === '--' ? words.slice(1) : words;
}

export async function execCommand(target: string, words: string[]): Promise<number> {
  const argv = commandAfterHost(words);
  if (argv.length === 0) throw new UsageError(`say what to run, e.g. socklab exec ${target} -- netstat -tan`);
  const { inHost } = await findHost(target);
  return runInHost(inHost, argv, { asUser: true });
}

/** Writes to one of our outputs, waiting for it to drain when it is a slow pipe. */
export const writeTo = (stream: NodeJS.WriteStream) => (chunk: Buffer) =>
  stream.write(chunk) ? undefined : new Promise<void>((resolve) => stream.once('drain', () => resolve()));

/** Runs argv in a host as the foreground job: output to ours, interruptions passed on. */
export async function runInHost(inHost: HostProcesses, argv: string[], options: { asUser: boolean }): Promise<number> {
  const command = inHost.foreground(argv, { stdout: writeTo(process.stdout), stderr: writeTo(process.stderr) }, options);
  const stop = onInterrupt((reason, count) => {
    const signal = count > 1 || reason === 'EPIPE' ? 'KILL' : reason.replace(/^SIG/, '');
    void command.signal(signal).catch(() => undefined);
  });
  try {
    const code = await command.done;
    return code < 0 ? EXIT.failed : code;
  } finally {
    stop();
  }
}
