/**
 * docs/protocol.md promises that a publisher with plain amqplib (no turnq code) can invoke an
 * actor and get its reply. This runs the script block of that document, as written, against a worker.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomId } from '../../src/protocol/ids.js';
import { Counter } from '../../workers/actors/counter.js';
import { AMQP_URL, amqpBackends } from '../helpers/amqp-backend.js';
import { startCluster } from '../helpers/cluster.js';
import { amqpTest } from './amqp-helpers.js';

const run = promisify(execFile);

async function scriptOfDoc(): Promise<string> {
  const doc = await readFile(join(process.cwd(), 'docs/protocol.md'), 'utf8');
  const match = /```ts\n(\/\/ invoke\.mts[\s\S]*?)```/.exec(doc);
  if (match?.[1] === undefined) throw new Error('docs/protocol.md has no invoke.mts block');
  return match[1];
}

amqpTest('the plain amqplib script of docs/protocol.md invokes an actor and gets its reply', async (t) => {
  const cluster = await startCluster(t, amqpBackends[0]!, { actors: [Counter], config: { shards: 3 } });
  // Inside the repository so that `amqplib` resolves from its node_modules.
  const dir = join(process.cwd(), 'node_modules', '.cache', 'turnq-test');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `invoke-${randomId().slice(0, 8)}.mts`);
  await writeFile(file, await scriptOfDoc());
  t.teardown(() => rm(file, { force: true }));
  const env = { ...process.env, AMQP_URL, TURNQ_NAMESPACE: cluster.fixture.namespace, TURNQ_SHARDS: '3' };
  const first = await run(process.execPath, ['--import', 'tsx', file], { env, timeout: 30_000 });
  t.deepEqual(JSON.parse(first.stdout.trim()), { status: 'ok', result: 5 });
  const second = await run(process.execPath, ['--import', 'tsx', file], { env, timeout: 30_000 });
  t.deepEqual(JSON.parse(second.stdout.trim()), { status: 'ok', result: 10 });
  t.is(await cluster.client.actor<Counter>('Counter', '42').get(), 10);
});
