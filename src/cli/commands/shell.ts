// `socklab shell HOST`: an interactive shell in a host of a lab that is up (bash when the
// image has it, else sh), with a user program's privileges. On a terminal: a real TTY in
// the host, our terminal in raw mode (so Ctrl+C, arrows and tab completion go to the host's
// shell) and the host's terminal resized with ours. Without a terminal, commands are read
// from standard input. A hang-up or SIGTERM ends the session.
import { EXIT } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { findHost } from '../../session/labs.js';

export async function shellCommand(target: string): Promise<number> {
  const { lab, host, inHost } = await findHost(target);
  const stdin = process.stdin;
  const stdout = process.stdout;
  const tty = stdin.isTTY === true && stdout.isTTY === true;
  if (tty) process.stderr.write(`shell on ${host.name} (lab ${lab.scenario}, run ${lab.runId}); 'exit' or Ctrl+D leaves\n`);
  if (tty) stdin.setRawMode(true);
  const ended = new AbortController();
  // In raw mode Ctrl+C is a key for the host's shell; a signal from elsewhere ends the session.
  const stop = onInterrupt((reason) => {
    if (!tty || reason !== 'SIGINT') ended.abort();
  });
  try {
    const code = await inHost
      .interactiveShell({
        tty,
        stdin,
        stdout,
        signal: ended.signal,
        env: tty ? { TERM: process.env.TERM || 'xterm' } : undefined,
        size: () => ({ rows: stdout.rows, columns: stdout.columns }),
        onResize: (listener) => {
          stdout.on('resize', listener);
          return () => stdout.off('resize', listener);
        },
      })
      .catch((error: unknown) => {
        if (ended.signal.aborted) return EXIT.failed;
        throw error;
      });
    return code < 0 ? EXIT.failed : code;
  } finally {
    stop();
    if (tty) stdin.setRawMode(false);
    // Left flowing, our standard input would keep socklab alive after the shell ended.
    stdin.pause();
  }
}
