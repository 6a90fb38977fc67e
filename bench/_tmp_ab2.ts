import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { measure } from './report.js';
import { createTurnq, resolveConfig } from '../src/index.js';
async function run(label: string, env: Record<string, string>) {
  const ns = 'ab-' + randomBytes(3).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/amqp.ts'], { env: { ...process.env, ...env, TURNQ_BENCH_AMQP_ROLE: 'worker', TURNQ_BENCH_AMQP_NAME: ns }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => createInterface({ input: child.stdout! }).on('line', (l) => { if (l === 'ready') r(); }));
  const t = await createTurnq({ config: resolveConfig([{ raw: { transport: 'amqp://127.0.0.1', namespace: ns }, where: '' }], process.cwd()) });
  for (let i = 0; i < 1000; i++) await t.client.call('BenchEcho', String(i), 'echo', [i]);
  const out = [];
  for (const inflight of [1, 16, 128]) {
    const n = inflight === 1 ? 1500 : 10000;
    const b = await measure(n, inflight, (i) => t.client.call('BenchEcho', String(i % 1000), 'echo', [i]));
    out.push(`${inflight}: ${Math.round(b.rate)}/s ${b.p50Ms.toFixed(3)}`);
  }
  console.log(label, out.join('  '));
  await t.close(); child.kill('SIGTERM');
  return ns;
}
const made: string[] = [];
for (let r = 0; r < 3; r++) { made.push(await run('hdr   ', {})); made.push(await run('nohdr ', { XNOHDR: '1' })); }
console.error(made.join(' '));
