// `socklab export compose FILE [--output OUT]`: the scenario's networks and hosts as a
// Compose file, on stdout or in OUT; what Compose cannot express is named on stderr too.
import { writeFile } from 'node:fs/promises';
import { composeOf } from '../../session/export.js';

export async function exportComposeCommand(file: string, options: { output?: string }): Promise<number> {
  const { text, leftOut } = await composeOf(file);
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);
  for (const line of leftOut) process.stderr.write(`not in the Compose file: ${line}\n`);
  if (options.output) process.stderr.write(`wrote ${options.output}; bring it up with: docker-compose -f ${options.output} up -d\n`);
  return 0;
}
