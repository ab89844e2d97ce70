// `socklab shell HOST`: an interactive shell in a host of a lab that is up (bash when the
// image has it, else sh). On a terminal: a real TTY in the host, our terminal in raw mode
// (so Ctrl+C, arrows and tab completion go to the host's shell) and the host's terminal
// resized with ours. Without a terminal, commands are read from standard input.
import { EXIT } from '../errors.js';
import { findHost } from '../lab-target.js';

/** Starts bash if the image has it, else sh; `exec` so the shell's exit code is the session's. */
export const SHELL_COMMAND = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

export async function shellCommand(target: string): Promise<number> {
  const { runtime, lab, host } = await findHost(target);
  const stdin = process.stdin;
  const stdout = process.stdout;
  const tty = stdin.isTTY === true && stdout.isTTY === true;
  if (tty) process.stderr.write(`shell on ${host.name} (lab ${lab.scenario}, run ${lab.runId}); 'exit' or Ctrl+D leaves\n`);
  if (tty) stdin.setRawMode(true);
  try {
    const code = await runtime.execInteractive(host.container, SHELL_COMMAND, {
      tty,
      stdin,
      stdout,
      env: tty ? { TERM: process.env.TERM || 'xterm' } : undefined,
      size: () => ({ rows: stdout.rows, columns: stdout.columns }),
      onResize: (listener) => {
        stdout.on('resize', listener);
        return () => stdout.off('resize', listener);
      },
    });
    return code < 0 ? EXIT.failed : code;
  } finally {
    if (tty) stdin.setRawMode(false);
    // Left flowing, our standard input would keep socklab alive after the shell ended.
    stdin.pause();
  }
}
