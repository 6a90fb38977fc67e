/**
 * The documented wire contract, from the outside: test/redis/fixtures/plain-bullmq-call.ts (the
 * script of docs/protocol.md) adds a job with plain BullMQ calls and no turnq code, in a process
 * of its own, and gets the actor's reply from the reply list.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Counter } from '../../workers/actors/counter.js';
import { startCluster } from '../helpers/cluster.js';
import { bullmqBackend } from '../helpers/redis-backend.js';
import { REDIS_URL, redisTest } from './redis-test.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/plain-bullmq-call.ts', import.meta.url));

redisTest('a plain BullMQ Queue.add from another program invokes an actor and gets the reply', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Counter], config: { shards: 3 } });
  const ns = cluster.fixture.namespace;
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', SCRIPT, ns, '3', 'Counter', 'plain-7', method, JSON.stringify(args)],
      {
        env: { ...process.env, REDIS_URL },
      },
    );
    return JSON.parse(stdout);
  };
  t.deepEqual(await call('add', [5]), { status: 'ok', result: 5 });
  t.deepEqual(await call('add', [2]), { status: 'ok', result: 7 });
  // The same actor through turnq's own client: same shard, same state.
  t.is(await cluster.client.actor<Counter>('Counter', 'plain-7').get(), 7);
  const failed = (await call('add', ['x'])) as { status: string; error: { code: string } };
  t.is(failed.status, 'error');
  t.is(failed.error.code, 'ACTOR_ERROR');
});
