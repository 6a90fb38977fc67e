/**
 * Shard ownership on the BullMQ transport: one worker consumes a shard at a time; a clean stop hands the
 * shard over with the unfinished messages back at the front of the queue; a crashed (SIGKILL) owner's
 * jobs are taken back by the next owner in the order they were fetched. Per-actor order survives both.
 */
import { Redis } from 'ioredis';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { names } from '../../src/protocol/sharding.js';
import { ActorHost } from '../../src/runtime/actor-host.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { openRedisStateStore } from '../../src/state/redis-state-store.js';
import { createBullmqTransport } from '../../src/transport/bullmq/bullmq-transport.js';
import { Counter } from '../../workers/actors/counter.js';
import { startCluster } from '../helpers/cluster.js';
import { bullmqBackend } from '../helpers/redis-backend.js';
import { Gate } from './fixtures/gate.js';
import { Journal } from './fixtures/journal.js';
import { REDIS_URL, redisTest } from './redis-test.js';
import { spawnTestWorker } from './spawn-worker.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

redisTest('one owner per shard; a clean stop hands the shard over with messages in order', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Journal], config: { shards: 1, prefetch: 4 } });
  const second = await cluster.addWorker();
  const [first] = cluster.hosts;
  if (first === undefined) throw new Error('no first worker');
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  const leaseKey = redisKeys.lease(cluster.fixture.namespace, names.shard(cluster.fixture.namespace, 'Journal', 0));
  t.is(await redis.get(leaseKey), `${first.workerId}:1`);

  const journal = cluster.client.actor<Journal>('Journal', 'j');
  const seen = new Set<string>();
  first.events.stream.subscribe((e) => {
    if (e.type === 'turn-started') seen.add(e.worker);
  });
  second.events.stream.subscribe((e) => {
    if (e.type === 'turn-started') seen.add(e.worker);
  });
  const calls = range(200).map((i) => journal.append(i));
  await calls[20];
  await first.stop();
  await Promise.all(calls);
  t.deepEqual(await journal.read(), range(200));
  t.true(seen.has(second.workerId), 'the second worker took over');
  t.is(await redis.get(leaseKey), `${second.workerId}:2`);
});

redisTest('a SIGKILLed owner: the next owner takes its jobs back in order, each applied once', async (t, ns) => {
  const crashed = await spawnTestWorker(t, ns, { TURNQ_SHARDS: '1', TURNQ_PREFETCH: '8' });
  const config = resolveConfig([{ raw: { namespace: ns, shards: 1, callTimeout: 20_000 }, where: 'test' }], process.cwd());
  const transport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
  const store = await openRedisStateStore(REDIS_URL, ns);
  const next = new ActorHost({ config, transport, registry: new ActorRegistry().register(Counter, Gate, Journal), store });
  await next.start();
  t.teardown(async () => {
    await next.stop();
    await transport.close();
    await store.close();
  });
  const journal = next.client.actor<Journal>('Journal', 'k');
  let started = 0;
  const fifty = crashed.waitFor((line) => line.turn === 'Journal/k.append' && ++started === 50);
  const calls = range(300).map((i) => journal.append(i));
  await fifty;
  crashed.kill('SIGKILL');
  await crashed.exited;
  const lengths = await Promise.all(calls);
  t.deepEqual(
    lengths,
    range(300).map((i) => i + 1),
    'each call answered with its own position',
  );
  t.deepEqual(await journal.read(), range(300));
  t.deepEqual(await store.peek('Journal/k'), { entries: range(300) });
});
