import { resolveConfig, createTurnq } from '../src/index.js';
import { Counter } from '../workers/actors/counter.js';
const config = resolveConfig([{ raw: { reentrancy: { enabled: true } }, where: '' }], process.cwd());
const t = await createTurnq({ config, actors: [Counter] });
const N = 300000;
const c = t.client;
let i = 0;
const s = performance.now();
async function lane() {
  while (i < N) {
    i++;
    await c.call('Counter', String(i % 1000), 'add', [1]);
  }
}
await Promise.all(Array.from({ length: 128 }, lane));
console.log('calls/s', Math.round((N / (performance.now() - s)) * 1000));
await t.close();
