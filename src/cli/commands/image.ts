// `socklab image build|show`: the lab image, explicitly.
import { ensureLabImage, labImageRef, chooseBuildMethod } from '../../image/lab-image.js';
import { connectEngine, engine } from '../../session/engine.js';
import { imageProgress } from '../style.js';

export async function imageBuildCommand(options: { force?: boolean }): Promise<number> {
  const result = await ensureLabImage(await connectEngine(), imageProgress, options);
  process.stdout.write(result.built ? `built ${result.ref} in ${result.seconds.toFixed(1)} s\n` : `${result.ref} is present (nothing to build)\n`);
  return 0;
}

export async function imageShowCommand(): Promise<number> {
  const ref = labImageRef();
  const found = await engine().findImage(ref);
  process.stdout.write(
    found ? `${ref} present (${(found.sizeBytes / 1e6).toFixed(0)} MB)\n` : `${ref} absent; 'socklab image build' builds it (${chooseBuildMethod()})\n`,
  );
  return found ? 0 : 1;
}
