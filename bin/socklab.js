#!/usr/bin/env node
// The `socklab` command: runs the TypeScript CLI with no build step to remember, from a
// bundle kept current automatically (bin/cli-cache.js), or through tsx.
import { startCli } from './cli-cache.js';
await startCli();
