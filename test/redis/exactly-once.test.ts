/**
 * Exactly once, for real: increments on 100 Counter actors served by three worker processes over the
 * BullMQ transport with the Redis state store. The worker owning the shards is killed with SIGKILL in
 * the middle of the load; a standby takes the shards over (lease expiry, then its reclaim of the dead
 * worker's active jobs). Every call that ends in a retryable error is retried with the same message id.
 * Afterwards every counter equals exactly the number of increments issued to it.
 */
import { Client } from '../../src/client/client.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { names } from '../../src/protocol/sharding.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { openRedisStateStore } from '../../src/state/redis-state-store.js';
import { createBullmqTransport } from '../../src/transport/bullmq/bullmq-transport.js';
import { Redis } from 'ioredis';
import { REDIS_URL, redisTest } from './redis-test.js';
import { spawnWorker, type WorkerProcess } from './spawn-worker.js';

const ACTORS = 100;
const PER_ACTOR = 25;
const SHARDS = 4;
const IN_FLIGHT = 32;

redisTest('no increment lost or counted twice when a worker is killed mid-load', async (t, ns) => {
  const workers: WorkerProcess[] = [];
  t.teardown(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  });
  const env = { TURNQ_SHARDS: String(SHARDS), TURNQ_PREFETCH: '16' };
  for (let i = 0; i < 3; i++) workers.push(await spawnWorker(ns, env));

  const transport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: 1024 * 1024 });
  const client = new Client({ transport, shardsFor: () => SHARDS, callTimeout: 1000 });
  await client.start();
  const store = await openRedisStateStore(REDIS_URL, ns);
  const redis = new Redis(REDIS_URL);
  t.teardown(async () => {
    await client.close();
    await transport.close();
    await store.close();
    redis.disconnect();
  });

  // Which process owns the shards now (the lease value is `<workerId>:<epoch>`).
  const lease = await redis.get(redisKeys.lease(ns, names.shard(ns, 'Counter', 0)));
  const owner = workers.find((w) => lease?.startsWith(`${w.workerId}:`) === true);
  if (owner === undefined) throw new Error(`no worker owns shard 0 (lease ${String(lease)})`);

  const total = ACTORS * PER_ACTOR;
  let next = 0;
  let done = 0;
  let retries = 0;
  let killed = false;
  const increment = async (actor: string): Promise<void> => {
    const messageId = randomId();
    for (;;) {
      try {
        await client.call('Counter', actor, 'add', [1], { messageId });
        return;
      } catch (error) {
        if (!(error instanceof TurnqError) || !error.retryable) throw error;
        retries++;
      }
    }
  };
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      await increment(`c${i % ACTORS}`);
      done++;
      if (!killed && done >= total / 3) {
        killed = true;
        owner.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  t.true(killed);
  t.log(`${total} increments, ${retries} retried calls`);

  const counts = await Promise.all(Array.from({ length: ACTORS }, (_, i) => store.peek(`Counter/c${i}`)));
  const wrong = counts
    .map((state, i) => ({ actor: `c${i}`, state }))
    .filter(({ state }) => (state as { count?: number } | undefined)?.count !== PER_ACTOR);
  t.deepEqual(wrong, []);
  // And through the actors themselves (served by the new owner).
  t.is(await client.call('Counter', 'c0', 'get', []), PER_ACTOR);
});
