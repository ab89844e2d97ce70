// `socklab init [DIR]`: a starter lesson folder that passes `socklab test`.
import { InitError, initLesson } from '../../session/init.js';
import { UsageError } from '../errors.js';

export async function initCommand(dir: string): Promise<number> {
  const written = await initLesson(dir).catch((error: unknown) => {
    throw error instanceof InitError ? new UsageError(error.message) : error;
  });
  process.stdout.write(`${written.map((file) => `wrote ${file}`).join('\n')}\nnext: socklab test ${dir} (or socklab run ${dir}/lesson.yaml)\n`);
  return 0;
}
