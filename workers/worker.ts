/**
 * Worker process entry: hosts the actor modules named in the config until SIGTERM.
 *
 *   node --import tsx workers/worker.ts --config config/default.yaml
 *   npx turnq worker --config config/default.yaml      (the same)
 */
import { runCli } from '../src/cli/main.js';

runCli(['worker', ...process.argv.slice(2)]);
