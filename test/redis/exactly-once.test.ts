/**
 * Exactly once, for real: increments on 100 Counter actors served by three worker processes over the
 * BullMQ transport with the Redis state store. The worker owning the shards is killed with SIGKILL in
 * the middle of the load; a standby takes the shards over (lease expiry, then its reclaim of the dead
 * worker's active jobs). Every call that ends in a retryable error is retried with the same message id.
 * Afterwards every counter equals exactly the number of increments issued to it.
 *
 * Runs on BullMQ (required), and on RabbitMQ with the Redis state store when RabbitMQ is reachable.
 */
import { Client } from '../../src/client/client.js';
import { names } from '../../src/protocol/sharding.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { openRedisStateStore } from '../../src/state/redis-state-store.js';
import { createTransport } from '../../src/transport/create-transport.js';
import { AMQP_URL, amqpUnavailable, deleteAmqpNamespace } from '../helpers/amqp-backend.js';
import type { ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { REDIS_URL, redisTest } from './redis-test.js';
import { spawnTestWorker, type WorkerProcess } from './spawn-worker.js';
import { incrementWithRetries } from './redis-helpers.js';
import { brokerTest } from '../helpers/broker-test.js';

/** Probed before any test is declared (ava wants declarations synchronous after the first one). */
const amqpReason = await amqpUnavailable();

const ACTORS = 100;
const PER_ACTOR = 25;
const SHARDS = 4;
const IN_FLIGHT = 32;

async function exactlyOnce(t: ExecutionContext, ns: string, transportUrl: string): Promise<void> {
  const workers: WorkerProcess[] = [];
  const env = { TURNQ_SHARDS: String(SHARDS), TURNQ_PREFETCH: '16', TURNQ_TRANSPORT: transportUrl, TURNQ_STATE_STORE: REDIS_URL };
  for (let i = 0; i < 3; i++) workers.push(await spawnTestWorker(t, ns, env));

  const transport = await createTransport(transportUrl, { namespace: ns, maxMessageBytes: 1024 * 1024 });
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

  // The process consuming the shards now: on BullMQ the lease holder (`<workerId>:<epoch>`); on RabbitMQ
  // the first consumer of each single-active-consumer queue, i.e. the first worker started.
  const lease = await redis.get(redisKeys.lease(ns, names.shard(ns, 'Counter', 0)));
  const owner = transportUrl.startsWith('redis') ? workers.find((w) => lease?.startsWith(`${w.workerId}:`) === true) : workers[0];
  if (owner === undefined) throw new Error(`no worker owns shard 0 (lease ${String(lease)})`);

  const total = ACTORS * PER_ACTOR;
  let next = 0;
  let done = 0;
  let retries = 0;
  let killed = false;
  const increment = (actor: string): Promise<void> =>
    incrementWithRetries(client, actor, () => {
      retries++;
    });
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
  // The killed process was serving calls when it died (a turn line was seen before its exit).
  t.truthy(await owner.waitFor((line) => typeof line.turn === 'string'));
  t.log(`${total} increments, ${retries} retried calls`);

  const counts = await Promise.all(Array.from({ length: ACTORS }, (_, i) => store.peek(`Counter/c${i}`)));
  const wrong = counts
    .map((state, i) => ({ actor: `c${i}`, state }))
    .filter(({ state }) => (state as { count?: number } | undefined)?.count !== PER_ACTOR);
  t.deepEqual(wrong, []);
  // And through the actors themselves (served by the new owner).
  t.is(await client.call('Counter', 'c0', 'get', []), PER_ACTOR);
}

redisTest('BullMQ: no increment lost or counted twice when a worker is killed mid-load', (t, ns) => exactlyOnce(t, ns, REDIS_URL));

// Needs RabbitMQ as well as Redis: registered through redisTest when RabbitMQ answers, else like any
// broker test whose broker is unreachable (skipped locally, failed under CI).
if (amqpReason === undefined) {
  redisTest('RabbitMQ + Redis store: no increment lost or counted twice when a worker is killed mid-load', async (t, ns) => {
    t.teardown(() =>
      deleteAmqpNamespace(ns, [
        // Every type the spawned workers host declares its shard queues.
        ...['Counter', 'Gate', 'Journal'].flatMap((type) => Array.from({ length: SHARDS }, (_, i) => names.shard(ns, type, i))),
        names.deadLetter(ns),
      ]),
    );
    await exactlyOnce(t, ns, AMQP_URL);
  });
} else {
  brokerTest('RabbitMQ + Redis store: no increment lost or counted twice when a worker is killed mid-load', amqpReason, () =>
    Promise.resolve(),
  );
}
