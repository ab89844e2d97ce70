// The lab image: named by a hash of its recipe (images/lab/), built on first use, reused after.
// Two build paths from one package list: offline (mmdebstrap + import; no registry needed)
// and an ordinary Dockerfile build for machines that reach a registry.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import { LAB_IMAGE_DIR } from '../util/paths.js';
import { LineSplitter, lineText } from '../util/bounded-output.js';

export const LAB_IMAGE_REPO = 'socklab-lab';
const RECIPE_FILES = ['packages.txt', 'Dockerfile', 'build-rootfs.sh'];
/**
 * Image settings the offline path adds at import (the Dockerfile's CMD and ENV). Part of the
 * recipe hash. No socklab.* label here: containers inherit image labels, and socklab finds
 * its objects by those labels.
 */
const IMPORT_CHANGES = ['CMD ["sleep", "infinity"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

/**
 * The recipe folder: images/lab/, or SOCKLAB_IMAGE_RECIPE_DIR when set (a changed copy
 * gets its own tag, so a test or an experiment never replaces the image everyone uses).
 */
export function recipeDir(env = process.env): string {
  return env.SOCKLAB_IMAGE_RECIPE_DIR || LAB_IMAGE_DIR;
}

/** The Debian packages the recipe installs (for `doctor` to list). */
export function labImagePackages(dir = recipeDir()): string[] {
  return readFileSync(join(dir, 'packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function recipeHash(dir = recipeDir()): string {
  const hash = createHash('sha256');
  for (const file of RECIPE_FILES) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(dir, file)))
      .update('\0');
  }
  hash.update(IMPORT_CHANGES.join('\n'));
  return hash.digest('hex').slice(0, 12);
}

export function labImageRef(): string {
  return `${LAB_IMAGE_REPO}:${recipeHash()}`;
}

export type BuildMethod = 'offline' | 'dockerfile';

/** Offline when this machine can run mmdebstrap (Debian, root); otherwise the Dockerfile. */
export function chooseBuildMethod(env = process.env): BuildMethod {
  const forced = env.SOCKLAB_IMAGE_BUILD;
  if (forced === 'offline' || forced === 'dockerfile') return forced;
  const canDebootstrap = existsSync('/usr/bin/mmdebstrap') || (existsSync('/etc/debian_version') && process.getuid?.() === 0);
  return canDebootstrap ? 'offline' : 'dockerfile';
}

export interface EnsureImageResult {
  ref: string;
  built: boolean;
  seconds: number;
}

/** Returns the lab image, building it when absent. `log` receives progress lines. */
export async function ensureLabImage(
  runtime: Runtime,
  log: (line: string) => void,
  options: { force?: boolean; signal?: AbortSignal } = {},
): Promise<EnsureImageResult> {
  const ref = labImageRef();
  const started = performance.now();
  const { signal } = options;
  if (!options.force && (await runtime.findImage(ref, { signal }))) return { ref, built: false, seconds: 0 };
  const method = chooseBuildMethod();
  log(`building lab image ${ref} (${method}; first use only, about a minute)`);
  if (method === 'dockerfile') {
    await runtime.buildImage(recipeDir(), ref, (line) => log(line), { signal });
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'socklab-image-'));
    try {
      const tar = join(dir, 'rootfs.tar');
      await runScript(join(recipeDir(), 'build-rootfs.sh'), [tar], log, signal);
      log('importing root filesystem');
      await runtime.importImage(tar, ref, IMPORT_CHANGES, { signal });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  log(`lab image ${ref} ready in ${seconds.toFixed(1)} s`);
  return { ref, built: true, seconds };
}

function runScript(script: string, args: string[], log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group, so an interruption stops the build's children too.
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const onAbort = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      reject(signal!.reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', onAbort));
    let tail: string[] = [];
    const splitter = new LineSplitter((bytes, start, end) => {
      const line = lineText(bytes, start, end);
      if (!line.trim()) return;
      tail = [...tail.slice(-19), line];
      log(line);
    });
    const onData = (chunk: Buffer) => splitter.push(chunk);
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`image build failed (exit ${code}):\n${tail.join('\n')}`))));
  });
}
