import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no engine and runs in parallel; `e2e` runs against the real
// Docker engine, one file at a time (labs on one engine must not collide), with a global
// setup that demands an engine and the lab image, and a global teardown that fails the
// run if any socklab object is left on the engine.
export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a one-line total (and the fault suite read its escape attempts).
    reporters: ['default', ['json', { outputFile: process.env.SOCKLAB_TEST_RESULTS ?? '.socklab/test-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'programs/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
