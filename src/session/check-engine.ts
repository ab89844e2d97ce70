// What `validate` asks of the engine, and only when a scenario needs it: delay and jitter
// exist only where the kernel has tc netem. Without an engine (or without the lab image to
// probe with) validate says it could not check, rather than guess.
import { labImageRef } from '../image/lab-image.js';
import { netemIssues } from '../lab/lab.js';
import type { ScenarioIssue } from '../scenario/issues.js';
import { netemOnlyUses } from '../scenario/impairments.js';
import type { LoadedScenario } from '../scenario/load.js';
import { connectEngine } from './engine.js';

/** How long validate waits for the engine before saying it could not check. */
const ENGINE_DEADLINE_MS = 15_000;

export async function engineIssues(loaded: LoadedScenario): Promise<{ issues: ScenarioIssue[]; note?: string }> {
  if (netemOnlyUses(loaded.scenario).length === 0) return { issues: [] };
  const signal = AbortSignal.timeout(ENGINE_DEADLINE_MS);
  try {
    const runtime = await connectEngine(signal);
    const image = labImageRef();
    if (!(await runtime.findImage(image, { signal }))) {
      return {
        issues: [],
        note: `${loaded.file}: delay and jitter need tc netem; not checked, since the lab image is not built yet (socklab doctor --fix builds it).`,
      };
    }
    return { issues: await netemIssues(runtime, loaded, image, signal) };
  } catch (error) {
    return {
      issues: [],
      note: `${loaded.file}: delay and jitter need tc netem; not checked against an engine (${(error as Error).message}). socklab doctor says whether an engine has it.`,
    };
  }
}
