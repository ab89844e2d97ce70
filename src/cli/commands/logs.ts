// `socklab logs HOST [-f]`: what the programs started on a host have printed (standard
// output and error), each line prefixed with the program's id; -f follows until Ctrl+C.
// Read from the files each program keeps in the host, so it works from any terminal, and
// streamed through, so a log of any size passes in constant memory.
import { logsCommand, TailParser } from '../../in-host/logs.js';
import { programState } from '../../in-host/contract.js';
import { EXIT } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { findHost } from '../lab-target.js';
import { consoleStyle } from '../style.js';

export async function showLogsCommand(target: string, options: { follow?: boolean }): Promise<number> {
  const { lab, host, inHost } = await findHost(target);
  const programs = await inHost.list();
  if (programs.length === 0) {
    process.stderr.write(`no program was started on '${host.name}' (lab ${lab.scenario}). Programs come from the scenario's start steps.\n`);
    return EXIT.ok;
  }
  const style = consoleStyle();
  const width = Math.max(...programs.map((program) => program.id.length));
  for (const program of programs) {
    process.stderr.write(style.dim(`${program.id.padEnd(width)} = ${program.command} (${programState(program)})\n`));
  }
  // The parser writes synchronously; when stdout is a slow pipe, the chunk waits for it to drain.
  let pending: Promise<void> | undefined;
  const parser = new TailParser(({ id, stream, line }) => {
    const text = `${style.dim(`${id.padEnd(width)} |`)} ${stream === 'stderr' ? style.red(line) : line}\n`;
    const out = stream === 'stderr' ? process.stderr : process.stdout;
    if (!out.write(text)) pending ??= new Promise<void>((resolve) => out.once('drain', () => resolve()));
  });
  const command = inHost.foreground(
    logsCommand(programs.map((program) => program.id), options.follow === true),
    {
      stdout: (chunk) => {
        parser.push(chunk);
        const wait = pending;
        pending = undefined;
        return wait;
      },
      // tail's own complaints (a file not there yet) are not program output.
      stderr: () => undefined,
    },
    { asUser: false },
  );
  let interrupted = false;
  const stop = onInterrupt((reason, count) => {
    interrupted = true;
    void command.signal(count > 1 || reason === 'EPIPE' ? 'KILL' : reason.replace(/^SIG/, '')).catch(() => undefined);
  });
  try {
    const code = await command.done;
    parser.flush();
    // Following ends with Ctrl+C by design: that is success, not an interruption.
    return options.follow && interrupted ? EXIT.ok : code;
  } finally {
    stop();
  }
}
