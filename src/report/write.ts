// The report files of a run folder: report.json (the results), report.html and report.md
// made from it. `socklab report RUN-FOLDER` remakes the last two from the first.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';
import { Results, type ResultsValue } from './results.js';

export const REPORT_FILES = { json: 'report.json', html: 'report.html', markdown: 'report.md' } as const;

export async function writeReports(outputDir: string, results: ResultsValue): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  await writeFile(join(outputDir, REPORT_FILES.json), `${JSON.stringify(results, null, 2)}\n`);
  await writeViews(outputDir, results);
}

async function writeViews(outputDir: string, results: ResultsValue): Promise<void> {
  await writeFile(join(outputDir, REPORT_FILES.html), reportHtml(results));
  await writeFile(join(outputDir, REPORT_FILES.markdown), reportMarkdown(results));
}

/** A run folder's report.json could not be used; says why, in words about the folder. */
export class ReportFolderError extends Error {
  override name = 'ReportFolderError';
}

/** Remakes report.html and report.md of a run folder from its report.json. */
export async function regenerateReports(runFolder: string): Promise<ResultsValue> {
  const file = join(runFolder, REPORT_FILES.json);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ReportFolderError(`${file} is not there: give the folder of a run (.socklab/runs/NAME-RUN), which socklab run writes.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ReportFolderError(`${file} is not valid JSON (${(error as Error).message}); run the scenario again to get a new one.`);
  }
  const checked = Results.safeParse(parsed);
  if (!checked.success) {
    const first = checked.error.issues[0]!;
    throw new ReportFolderError(
      `${file} is not a socklab results file of this version (at ${first.path.join('.') || 'the top'}: ${first.message}); run the scenario again to get a new one.`,
    );
  }
  await writeViews(runFolder, checked.data);
  return checked.data;
}
