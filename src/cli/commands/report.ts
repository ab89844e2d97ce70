// `socklab report RUN-FOLDER`: remake a run's report.html and report.md from its report.json
// (after an upgrade of socklab, or to get the pages of an older run back).
import { join } from 'node:path';
import { regenerateReports, REPORT_FILES, ReportFolderError } from '../../report/write.js';
import { shortPath } from '../../util/paths.js';
import { UsageError } from '../errors.js';
import { openInBrowser } from '../open.js';

export async function reportCommand(folder: string, options: { open?: boolean }): Promise<number> {
  const results = await regenerateReports(folder).catch((error: unknown) => {
    throw error instanceof ReportFolderError ? new UsageError(error.message) : error;
  });
  const html = join(folder, REPORT_FILES.html);
  process.stdout.write(
    `${results.scenario} (run ${results.runId}, ${results.passed ? 'passed' : 'failed'}): wrote ${shortPath(html)} and ${shortPath(join(folder, REPORT_FILES.markdown))}\n`,
  );
  if (options.open) process.stdout.write(`${await openInBrowser(html)}\n`);
  return 0;
}
