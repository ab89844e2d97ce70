// socklab's import rules, checked by `npm run check:imports` (in `npm run lint`, run by CI).
// The layers, from the top: cli (parse, call, print) -> session (the use cases) -> lab, and
// below it in-host, observe, scenario, image, runtime, util. An import never runs back up.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one; break it by moving what both need below them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'dockerode-only-in-the-docker-runtime',
      comment: 'Everything else talks to the engine through the Runtime interface (src/runtime/runtime.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/docker/' },
      to: { path: '(^|/)node_modules/(@types/)?(dockerode|docker-modem)/' },
    },
    {
      name: 'cli-goes-through-the-session-layer',
      comment:
        "A command parses, calls a use case in src/session/ and prints. Of the lab's modules it may use only the reporting types (reporter.ts) and the selection error it words (selection-error.ts).",
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/lab/', pathNot: '^src/lab/(reporter|selection-error)\\.ts$' },
    },
    {
      name: 'cli-has-no-engine-of-its-own',
      comment: 'The engine connection belongs to src/session/engine.ts.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/runtime/docker/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-the-cli-and-the-library-entry-import-the-session-layer',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|session)/|^src/index\\.ts$' },
      to: { path: '^src/session/' },
    },
    {
      name: 'reports-are-made-from-results-alone',
      comment: "src/report/ turns a run's results into files: it never reaches a lab, a host or the engine, so `socklab report` works on any run folder.",
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/(lab|session|cli|runtime|in-host|doctor)/' },
    },
    {
      name: 'the-lower-layers-know-no-lab',
      comment: 'in-host, observe, scenario, image, runtime and util are used by the lab, never the other way round.',
      severity: 'error',
      from: { path: '^src/(in-host|observe|scenario|image|runtime|util)/' },
      to: { path: '^src/(lab|doctor)/' },
    },
    {
      name: 'runtime-knows-only-util',
      comment: 'The engine layer is about containers and networks, not scenarios or hosts.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/', pathNot: '^src/(runtime|util)/' },
    },
    {
      name: 'no-tests-in-the-product',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
