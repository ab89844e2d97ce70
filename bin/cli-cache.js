// Starts the TypeScript CLI fast. Running src/ through tsx's loader costs about 250 ms per
// process (every module, node_modules included, passes the loader's hooks), more than the
// whole budget of a `socklab validate`. So the CLI is bundled with esbuild (already a
// dependency) into node_modules/.cache/socklab-cli/ and run from there as plain JavaScript.
//
// There is no build step to remember: the manifest lists every source file in the bundle
// with its size and mtime, each start checks them (a few stat calls), and a changed file
// rebuilds the bundle on the spot (a fraction of a second). Anything going wrong here falls
// back to tsx, as does SOCKLAB_TSX=1.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRY = 'src/cli/main.ts';
// Inside the checkout, so that the bundle's bare imports (commander, dockerode, ...) resolve to
// this checkout's node_modules exactly as the sources' do.
const CACHE = join(ROOT, 'node_modules', '.cache', 'socklab-cli');
const MANIFEST = join(CACHE, 'manifest.json');
/** Old builds may still be in use by a running process (lazily loaded chunks); keep them a while. */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;
/**
 * Packages bundled in rather than loaded from node_modules at run time: what `validate`
 * needs, loaded as a few large files instead of some 200 small ones (about 100 ms less per
 * process). Both are plain JavaScript without native parts or file lookups of their own;
 * every other package (dockerode, esbuild, ...) stays external, as it is.
 */
const BUNDLED_PACKAGES = new Set(['zod', 'yaml']);

export async function startCli() {
  if (process.env.SOCKLAB_TSX !== '1') {
    const built = currentBuild() ?? (await freshBuild());
    if (built) {
      if (process.env.SOCKLAB_DEBUG) process.setSourceMapsEnabled(true); // stacks name the .ts lines
      await import(pathToFileURL(built).href);
      return;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(ROOT, ENTRY)).href);
}

/** The bundle's entry file when the manifest matches every source file on disk. */
function currentBuild() {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const stat = statSync(join(ROOT, file));
      if (stat.mtimeMs !== mtimeMs || stat.size !== size) return undefined;
    }
    const entry = join(CACHE, manifest.entry);
    return existsSync(entry) ? entry : undefined;
  } catch {
    return undefined; // no manifest yet, or a source file gone: build again
  }
}

async function freshBuild() {
  try {
    mkdirSync(CACHE, { recursive: true });
    accessSync(CACHE, constants.W_OK);
  } catch {
    return undefined; // a read-only install: tsx works from its own cache
  }
  try {
    const { build } = await import('esbuild');
    const started = Date.now();
    const dir = `build-${started.toString(36)}-${process.pid}`;
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [ENTRY],
      bundle: true,
      // One chunk per lazily imported command: `validate` never loads dockerode.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // yaml is CommonJS and requires node builtins; ESM output needs a real `require` for that.
      banner: { js: "import { createRequire as __socklabCreateRequire } from 'node:module'; const require = __socklabCreateRequire(import.meta.url);" },
      outdir: join(CACHE, dir),
      // Less text for V8 to parse at every start (names stay, so stacks stay readable;
      // SOCKLAB_DEBUG maps them back to the .ts lines).
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      plugins: [externalPackages, keepImportMetaUrl, englishOnlyZodLocales],
    });
    const inputs = {};
    let editedDuringBuild = false;
    // This file too: changed build options make a new bundle.
    for (const file of [...Object.keys(result.metafile.inputs), 'bin/cli-cache.js']) {
      const stat = statSync(join(ROOT, file));
      inputs[file] = [stat.mtimeMs, stat.size];
      // A file saved while esbuild read it may be in the bundle in either version. (A file
      // dated in the future, say copied from a machine whose clock is ahead, is not being saved.)
      if (stat.mtimeMs >= started - 1000 && stat.mtimeMs <= Date.now() + 1000) editedDuringBuild = true;
    }
    if (!editedDuringBuild) {
      const temporary = `${MANIFEST}.${process.pid}`;
      writeFileSync(temporary, JSON.stringify({ entry: `${dir}/main.js`, inputs }));
      renameSync(temporary, MANIFEST); // atomic: a concurrent start sees the old or the new one
      removeOldBuilds(dir);
    }
    return join(CACHE, dir, 'main.js');
  } catch (error) {
    if (process.env.SOCKLAB_DEBUG) process.stderr.write(`socklab: bundling the CLI failed, using tsx: ${error?.stack ?? error}\n`);
    return undefined;
  }
}

const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * zod's namespace export carries every locale's messages (a third of the bundle) though only
 * English is used; socklab never reads `z.locales`. Should zod move the file, this simply
 * stops matching and the bundle is larger, not wrong.
 */
const englishOnlyZodLocales = {
  name: 'english-only-zod-locales',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: join(args.path, '..'),
    }));
  },
};

/**
 * Source files find socklab's own folders from `import.meta.url` (src/util/paths.ts); in a
 * bundle that would be the bundle's location, so each file keeps its own URL.
 */
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

function removeOldBuilds(current) {
  for (const name of readdirSync(CACHE)) {
    if (!name.startsWith('build-') || name === current) continue;
    const path = join(CACHE, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by a concurrent start
    }
  }
}
