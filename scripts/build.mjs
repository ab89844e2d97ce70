// `npm run build`: the CLI (and the library entry) bundled into dist/ with esbuild, as `socklab` runs it, and the library's types. npm runs it
// at `prepare` (so `npm ci`, `npm install` and `npm pack` build it) and before `npm test`.
// Bundling is what makes the CLI start fast: one file per lazily loaded command instead of
// some hundred modules. zod, yaml and commander are bundled in (plain JavaScript, loaded by
// every `validate`); every other package stays in node_modules, as installed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const BUNDLED = new Set(['zod', 'yaml', 'commander']);

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
  external: Object.keys(manifest.dependencies).filter((name) => !BUNDLED.has(name)),
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
