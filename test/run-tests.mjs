// `npm test`: the main suite, then the disruptive suite (serially). Extra arguments go to both ava runs
// (e.g. `npm test -- --tap`). Exits non-zero if either run fails.
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const runs = [[], ['--config', 'ava.disruptive.config.js']];
let status = 0;
for (const args of runs) {
  const result = spawnSync('npx', ['ava', ...args, ...extra], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
