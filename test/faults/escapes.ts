// Escape attempts: the attacks of test/e2e/escapes.test.ts (routes to the engine host, hand-made
// IPv6 frames to the bridges, network privileges on hosts that are not routers, files,
// programs and imports that lead out of the scenario's folder), each with its control. The
// suite runs that file and counts each attempt that got through.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/helpers.js';
import { scratch, type Section } from './common.js';

interface VitestReport {
  testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }[] }[];
}

export async function escapeAttempts(options: { log: (line: string) => void }): Promise<Section> {
  const report = join(scratch, 'escapes.json');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'e2e', 'test/e2e/escapes.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, SOCKLAB_TEST_RESULTS: report },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', resolve);
  });
  const results = (JSON.parse(readFileSync(report, 'utf8')) as VitestReport).testResults.flatMap((file) => file.assertionResults);
  if (results.length === 0) throw new Error(`the escape attempts did not run (vitest exit ${code})`);
  const rows = results.map((result) => {
    const escaped = result.status === 'passed' ? 0 : 1;
    if (escaped) options.log(`escapes: ${result.title}: ${result.failureMessages.join('\n').slice(0, 1500)}`);
    return [result.ancestorTitles.join(' / '), result.title, result.status === 'passed' ? 'held' : result.status, String(escaped)];
  });
  options.log(`escapes: ${results.length} attempts, ${rows.filter((row) => row[3] === '1').length} got through`);
  return {
    title: 'Escape attempts',
    about:
      'The attacks of `test/e2e/escapes.test.ts`, run against a real lab. Where a protection is what stops an attack, the attempt also removes it for a moment (the control) and shows the attack then succeeds. "result" says whether the attempt\'s checks held; "escapes" counts attempts that got through.',
    columns: ['what', 'attempt', 'result', 'escapes'],
    rows,
    zeroColumns: ['escapes'],
  };
}
