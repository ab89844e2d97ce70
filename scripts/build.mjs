// `npm run build`: the CLI (and the library entry) bundled into dist/ with esbuild, as `socklab` runs it, and the library's types. npm runs it
// at `prepare` (so `npm ci`, `npm install` and `npm pack` build it) and before `npm test`.
// Bundling is what makes the CLI start fast: one file per lazily loaded command instead of
// some hundred modules. zod, yaml and commander are bundled in (plain JavaScript, loaded by
// every `validate`), and so are dockerode and docker-modem, so that what they load eagerly
// but socklab seldom or never uses (gRPC for BuildKit sessions, SSH for ssh:// engines: a
// third of the CLI's start-up) is loaded on first use instead. Every other package stays in
// node_modules, as installed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const BUNDLED = new Set(['zod', 'yaml', 'commander', 'dockerode', 'docker-modem']);

/** A package name from an import path: `a/b` -> `a`, `@s/a/b` -> `@s/a`. */
const packageOf = (path) =>
  path
    .split('/')
    .slice(0, path.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Modules of the bundled packages loaded when first called, from node_modules (where npm
 * installed them): each exports one function, or the functions named in `functions`.
 * tar-fs and dockerignore serve only image builds from a folder, which socklab never asks
 * for; with tar-stream under them they took some 20 ms of every start.
 */
const LOADED_ON_FIRST_USE = [
  { importer: '/dockerode/lib/', path: './session', module: 'dockerode/lib/session.js' },
  { importer: '/docker-modem/lib/', path: './ssh', module: 'docker-modem/lib/ssh.js' },
  { importer: '/dockerode/lib/', path: 'tar-fs', module: 'tar-fs', functions: ['pack', 'extract'], of: 'dockerode' },
  { importer: '/dockerode/lib/', path: '@balena/dockerignore', module: '@balena/dockerignore', of: 'dockerode' },
];

/**
 * A stand-in for a module loaded on first use: the same functions, each requiring the real
 * one when called. A dependency of a package (`of`) is looked up from that package's folder,
 * where npm may have put its own version.
 */
function standIn({ module, functions, of }) {
  const where = of
    ? `require.resolve(${JSON.stringify(module)}, { paths: [require('node:path').dirname(require.resolve(${JSON.stringify(`${of}/package.json`)}))] })`
    : JSON.stringify(module);
  const real = `require(${where})`;
  if (!functions) return `module.exports = function () { return ${real}.apply(this, arguments); };`;
  return functions.map((name) => `exports.${name} = function () { return ${real}.${name}.apply(this, arguments); };`).join('\n');
}

const packagesAsInstalled = {
  name: 'packages-as-installed',
  setup(build) {
    // Required only inside the function that builds with BuildKit, and reading files beside itself: left where it is.
    build.onResolve({ filter: /^\.\/buildkit$/ }, ({ importer }) =>
      importer.includes('/dockerode/lib/') ? { path: 'dockerode/lib/buildkit.js', external: true } : undefined,
    );
    build.onResolve({ filter: /.*/ }, ({ path, importer, namespace }) => {
      const lazy = LOADED_ON_FIRST_USE.find((entry) => entry.path === path && importer.includes(entry.importer));
      return lazy && namespace === 'file' ? { path: lazy.module, namespace: 'on-first-use' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'on-first-use' }, ({ path }) => ({
      contents: standIn(LOADED_ON_FIRST_USE.find((entry) => entry.module === path)),
      loader: 'js',
    }));
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      const installed = LOADED_ON_FIRST_USE.some((entry) => entry.module === path) || !(path.startsWith('node:') || BUNDLED.has(packageOf(path)));
      return installed ? { path, external: true } : undefined;
    });
  },
};

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: new URL('..', import.meta.url).pathname,
  // The CLI, and the library entry (`import { Lab } from 'socklab'`).
  entryPoints: { main: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  // One chunk per lazily imported command: `validate` never loads dockerode.
  splitting: true,
  chunkNames: 'chunks/[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [packagesAsInstalled],
  // yaml is CommonJS and requires node's modules; ESM output needs a real `require` for that.
  banner: { js: "import { createRequire as __socklabRequire } from 'node:module'; const require = __socklabRequire(import.meta.url);" },
  // Less text for V8 to parse at every start; names stay, so stacks stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The library's types, for `import { Lab } from 'socklab'` in a TypeScript test suite.
execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
