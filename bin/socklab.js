#!/usr/bin/env node
// The socklab command: the CLI as built into dist/ (npm run build; npm ci, npm install and
// npm test build it). Node's compile cache, where Node has it, saves parsing it at each start.
import module from 'node:module';

module.enableCompileCache?.();
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  process.stderr.write('socklab: the CLI is not built yet; run `npm run build` in the socklab folder (npm ci does it too).\n');
  process.exitCode = 3;
}
