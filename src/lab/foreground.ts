// A command run in a lab host as the CLI's foreground job (`socklab exec`, `logs -f`):
// output streams as it comes, and Ctrl+C on the CLI reaches the command in the host. The
// engine does not signal an exec'd process when its caller goes away, so the command's
// pid goes to a file first (the wrapper shell `exec`s into the command, keeping its pid).
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../runtime/runtime.js';

export interface ForegroundOptions {
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  env?: Record<string, string>;
}

export interface ForegroundCommand {
  /** The command's exit code, once it has ended and its output has been delivered. */
  readonly done: Promise<number>;
  /** Sends a signal (INT, TERM, KILL...) to the command in the host. */
  signal(name: string): Promise<void>;
}

export function runForeground(runtime: Runtime, container: string, argv: string[], options: ForegroundOptions): ForegroundCommand {
  const pidFile = `/tmp/.socklab-fg-${randomBytes(4).toString('hex')}.pid`;
  const script = `echo $$ > ${pidFile}; exec "$@"`;
  const done = runtime
    .exec(container, ['sh', '-c', script, 'sh', ...argv], { env: options.env, onStdout: options.onStdout, onStderr: options.onStderr })
    .then(async (result) => {
      await runtime.exec(container, ['rm', '-f', pidFile]).catch(() => undefined);
      return result.exitCode;
    });
  return {
    done,
    async signal(name: string) {
      await runtime.exec(container, ['sh', '-c', `kill -s ${name} "$(cat ${pidFile})" 2>/dev/null || true`]);
    },
  };
}

/**
 * Passes the CLI's SIGINT/SIGTERM on to a foreground command: the first as it is, a
 * repeated one as KILL (for a command that ignores it). Returns the function that stops.
 */
export function forwardSignals(command: ForegroundCommand): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    void command.signal(received > 1 ? 'KILL' : signal.replace(/^SIG/, '')).catch(() => undefined);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
