#!/usr/bin/env node
// The turnq command. Runs the TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
runCli(process.argv.slice(2));
