// `socklab logs HOST [-f]`: what the programs started on a host have printed (standard
// output and error), each line prefixed with the program's id; -f follows until Ctrl+C.
// Read from the files each program keeps in the host, so it works from any terminal.
import { forwardSignals, runForeground } from '../../lab/foreground.js';
import { TailParser, listPrograms, logsCommand, programState } from '../../lab/host-programs.js';
import { EXIT } from '../errors.js';
import { findHost } from '../lab-target.js';
import { consoleStyle } from '../style.js';

export async function showLogsCommand(target: string, options: { follow?: boolean }): Promise<number> {
  const { runtime, lab, host } = await findHost(target);
  const programs = await listPrograms(runtime, host.container);
  if (programs.length === 0) {
    process.stderr.write(`no program was started on '${host.name}' (lab ${lab.scenario}). Programs come from the scenario's start steps.\n`);
    return EXIT.ok;
  }
  const style = consoleStyle();
  const width = Math.max(...programs.map((program) => program.id.length));
  const write = { stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
  for (const program of programs) {
    process.stderr.write(style.dim(`${program.id.padEnd(width)} = ${program.command} (${programState(program)})\n`));
  }
  const parser = new TailParser(({ id, stream, line }) => {
    write[stream](`${style.dim(`${id.padEnd(width)} |`)} ${stream === 'stderr' ? style.red(line) : line}\n`);
  });
  const command = runForeground(runtime, host.container, logsCommand(programs.map((program) => program.id), options.follow === true), {
    onStdout: (chunk) => parser.push(chunk),
    // tail's own complaints (a file not there yet) are not program output.
    onStderr: () => undefined,
  });
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal);
  const stopForwarding = forwardSignals(command);
  try {
    const code = await command.done;
    parser.flush();
    // Following ends with Ctrl+C by design: that is success, not an interruption.
    return options.follow && interrupted ? EXIT.ok : code;
  } finally {
    stopForwarding();
    process.off('SIGINT', onSignal);
  }
}
