// `socklab logs HOST [-f]`: what the programs started on a host have printed (standard
// output and error), each line prefixed with the program's id; -f follows until Ctrl+C.
// Read from the files each program keeps in the host, so it works from any terminal, and
// streamed through, so a log of any size passes in constant memory.
import { once } from 'node:events';
import { logsCommand, TailParser } from '../../in-host/logs.js';
import { ByteBatch } from '../../util/bounded-output.js';
import { programState } from '../../in-host/contract.js';
import { EXIT } from '../errors.js';
import { onInterrupt } from '../interrupts.js';
import { findHost } from '../../session/labs.js';
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
  // The lines of each chunk go out as one buffer per stream (the prefix, then the line's own
  // bytes, copied in); a slow reader holds the stream back.
  const codes = (paint: (text: string) => string) =>
    paint('\0')
      .split('\0')
      .map((code) => Buffer.from(code));
  const [redOpen, redClose] = codes(style.red);
  const prefixes = new Map(programs.map((program) => [program.id, Buffer.from(`${style.dim(`${program.id.padEnd(width)} |`)} `)]));
  const NEWLINE = Buffer.from('\n');
  const batch = { stdout: new ByteBatch(), stderr: new ByteBatch() };
  const parser = new TailParser((id, stream, bytes, start, end) => {
    const out = batch[stream];
    out.add(prefixes.get(id) ?? Buffer.from(`${id} | `));
    if (stream === 'stderr') out.add(redOpen!);
    out.add(bytes, start, end);
    if (stream === 'stderr') out.add(redClose!);
    out.add(NEWLINE);
  });
  const flush = (): Promise<void> | undefined => {
    let drained: Promise<void> | undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const bytes = batch[stream].take();
      if (!bytes) continue;
      const out = stream === 'stderr' ? process.stderr : process.stdout;
      if (!out.write(bytes)) drained = once(out, 'drain').then(() => undefined);
    }
    return drained;
  };
  const command = inHost.foreground(
    logsCommand(
      programs.map((program) => program.id),
      options.follow === true,
    ),
    {
      stdout: (chunk) => {
        parser.push(chunk);
        return flush();
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
    await flush();
    // Following ends with Ctrl+C by design: that is success, not an interruption.
    return options.follow && interrupted ? EXIT.ok : code;
  } finally {
    stop();
  }
}
