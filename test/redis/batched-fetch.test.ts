/**
 * The shard consumer's fetch loop sends several fetches at once when jobs wait (one round trip for a
 * batch), acks arriving meanwhile go with its next round and fetch the next jobs, and the jobs are still
 * delivered in queue order: a backlog of calls to one actor runs in the order it was published.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { names } from '../../src/protocol/sharding.js';
import { bullKeys } from '../../src/transport/bullmq/bull-keys.js';
import { startCluster } from '../helpers/cluster.js';
import { bullmqBackend } from '../helpers/redis-backend.js';
import { Journal } from './fixtures/journal.js';
import { REDIS_URL, redisTest } from './redis-test.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

redisTest('a backlog is fetched several jobs per round trip and served in queue order', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Journal], config: { shards: 1, prefetch: 64 } });
  const ns = cluster.fixture.namespace;
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  // Fetches sent, and under way at once, over every BullMQ worker of this process.
  let fetching = 0;
  let most = 0;
  const prototype = Worker.prototype as {
    getNextJob: (this: Worker, ...args: Parameters<Worker['getNextJob']>) => ReturnType<Worker['getNextJob']>;
  };
  const original = prototype.getNextJob;
  let fetches = 0;
  prototype.getNextJob = function (this: Worker, ...args) {
    fetches++;
    fetching++;
    most = Math.max(most, fetching);
    return original.apply(this, args).finally(() => {
      fetching--;
    });
  };
  t.teardown(() => {
    prototype.getNextJob = original;
  });
  // No owner for the shard while the calls are published: they wait in its queue.
  await cluster.hosts[0]?.stop();
  const journal = cluster.client.actor<Journal>('Journal', 'j');
  const calls = range(100).map((i) => journal.append(i));
  const wait = bullKeys(names.shard(ns, 'Journal', 0)).wait;
  await new Promise<void>((resolve, reject) => {
    const poll = (): void => {
      redis.llen(wait).then((length) => {
        if (length === 100) resolve();
        else setImmediate(poll);
      }, reject);
    };
    poll();
  });
  most = 0;
  fetches = 0;
  await cluster.addWorker();
  t.deepEqual(
    await Promise.all(calls),
    range(100).map((i) => i + 1),
    'each call answered with its own position',
  );
  t.deepEqual(await journal.read(), range(100));
  t.true(most > 1, `fetches sent together: ${most}`);
  t.true(fetches < 100, `acks fetched jobs while the loop was busy: ${fetches} plain fetches for 100 jobs`);
});
