// `socklab export compose`: a scenario as a Compose file, with the lab image socklab builds.
import { labImageRef } from '../image/lab-image.js';
import { exportCompose, type ComposeExport } from '../lab/compose-export.js';
import { loadScenario } from '../scenario/load.js';

export async function composeOf(file: string): Promise<ComposeExport> {
  const loaded = await loadScenario(file);
  return exportCompose(loaded.scenario, { image: labImageRef(), source: file });
}
