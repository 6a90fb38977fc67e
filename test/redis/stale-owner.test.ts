/**
 * Fencing, for real: a worker process owns the only shard and is running a turn when it is paused
 * (SIGSTOP) long enough to lose its lease. A second worker takes the shard (new epoch), re-runs the
 * reclaimed message and a newer call, and saves. When the stale owner resumes, its turn ends and its
 * save is refused with STATE_FENCED: the new owner's state stays.
 *
 * And when such a worker later gets the shard back (a newer epoch), it does not write from the state it
 * still holds in memory: the store sees another writer came in between, refuses, and the activation is
 * dropped and loaded again.
 */
import { Redis } from 'ioredis';
import { Client } from '../../src/client/client.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { names } from '../../src/protocol/sharding.js';
import { ActorHost } from '../../src/runtime/actor-host.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { openRedisStateStore } from '../../src/state/redis-state-store.js';
import { createBullmqTransport } from '../../src/transport/bullmq/bullmq-transport.js';
import { Counter } from '../../workers/actors/counter.js';
import { Gate } from './fixtures/gate.js';
import { REDIS_URL, redisTest } from './redis-test.js';
import { spawnTestWorker } from './spawn-worker.js';

redisTest('a stale owner whose lease was taken cannot overwrite the new owner state', async (t, ns) => {
  // Its `hold` lasts 6 s, so the SIGSTOP below lands while that turn runs even on a loaded machine.
  const stale = await spawnTestWorker(t, ns, { TURNQ_SHARDS: '1', TURNQ_GATE_HOLD_EXTRA_MS: '4500' });
  const config = resolveConfig([{ raw: { namespace: ns, shards: 1 }, where: 'test' }], process.cwd());
  const transport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
  const store = await openRedisStateStore(REDIS_URL, ns);
  const host = new ActorHost({ config, transport, registry: new ActorRegistry().register(Counter, Gate), store });
  await host.start();
  t.teardown(async () => {
    await host.stop();
    await transport.close();
    await store.close();
  });
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  const scope = names.shard(ns, 'Gate', 0);
  t.is(await redis.get(redisKeys.fence(ns, scope)), '1', 'the first worker owns the shard with epoch 1');

  const gate = host.client.actor<Gate>('Gate', 'g');
  const held = gate.hold('stale', 1500);
  await stale.waitFor((line) => line.turn === 'Gate/g.hold');
  stale.kill('SIGSTOP');

  // The new owner takes the shard once the stale lease expires, re-runs the reclaimed `hold`, then `set`.
  t.is(await gate.set('new'), 'new');
  t.is(await held, 'stale');
  t.is(await redis.get(redisKeys.fence(ns, scope)), '2');
  t.deepEqual(await store.peek('Gate/g'), { value: 'new' });

  // The stale owner resumes: its `hold` ends and its save (epoch 1) is refused.
  stale.kill('SIGCONT');
  const refused = await stale.waitFor((line) => JSON.stringify(line).includes('STATE_FENCED'));
  t.truthy(refused);
  t.deepEqual(await store.peek('Gate/g'), { value: 'new' });
  t.is(await gate.get(), 'new');
});

redisTest('a worker that gets a shard back does not write from the state it had in memory', async (t, ns) => {
  const first = await spawnTestWorker(t, ns, { TURNQ_SHARDS: '1' });
  const config = resolveConfig([{ raw: { namespace: ns, shards: 1 }, where: 'test' }], process.cwd());
  const clientTransport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
  const client = new Client({ transport: clientTransport, shardsFor: () => 1, callTimeout: 20_000 });
  await client.start();
  const peek = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(async () => {
    await client.close();
    await clientTransport.close();
    await peek.close();
  });
  const codes: string[] = [];
  const add = async (): Promise<unknown> => {
    const messageId = randomId();
    for (;;) {
      try {
        return await client.call('Counter', 'x', 'add', [1], { messageId });
      } catch (error) {
        if (!(error instanceof TurnqError) || !error.retryable) throw error;
        codes.push(error.code);
      }
    }
  };
  t.is(await add(), 1, 'served by the first worker, which keeps Counter/x in memory');

  // The first worker is paused long enough to lose the shard; a second one takes it and counts to 5.
  first.kill('SIGSTOP');
  const transport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
  const store = await openRedisStateStore(REDIS_URL, ns);
  const second = new ActorHost({ config, transport, registry: new ActorRegistry().register(Counter, Gate), store });
  await second.start();
  for (let i = 2; i <= 5; i++) t.is(await add(), i);
  await second.stop();
  await transport.close();
  await store.close();
  t.deepEqual(await peek.peek('Counter/x'), { count: 5 });

  // The first worker resumes, finds its lease gone, takes the shard again (new epoch) and serves the next
  // call: its Counter/x (count 1) is stale; the save is refused and the actor is loaded again.
  first.kill('SIGCONT');
  t.is(await add(), 6);
  t.deepEqual(await peek.peek('Counter/x'), { count: 6 });
  t.log('retryable errors seen:', codes.join(', ') || 'none');
});
