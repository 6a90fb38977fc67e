/**
 * The Redis state store against a real Redis: state and handled messages round-trip, the handled
 * record is bounded, fencing refuses older epochs and writes nothing, a push given with a save (the
 * turn's reply) is made only with an applied write, and an unreachable Redis is a coded, retryable error.
 */
import { Redis } from 'ioredis';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { runScript } from '../../src/state/redis-connection.js';
import { openRedisStateStore, SAVE_SCRIPT } from '../../src/state/redis-state-store.js';
import { HANDLED_RECORD_LIMIT, type HandledMessage, type ListPush } from '../../src/state/state-store.js';
import { REDIS_URL, redisTest } from './redis-test.js';

const ok = (id: string, result: unknown): HandledMessage => ({ messageId: id, reply: { correlationId: id, status: 'ok', result } });

redisTest('state, handled ids and replies round-trip', async (t, ns) => {
  const store = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(() => store.close());
  t.deepEqual(await store.load('Counter/1'), { json: undefined, handled: [], version: 'none' });
  const first = await store.save('Counter/1', { json: '{"count":1}', handled: [ok('m1', 1), { messageId: 'm2', reply: null }] });
  const second = await store.save('Counter/1', { json: '{"count":2}', handled: [ok('m3', 2)], basedOn: first });
  const loaded = await store.load('Counter/1');
  t.is(loaded.json, '{"count":2}');
  t.deepEqual(loaded.handled, [ok('m1', 1), { messageId: 'm2', reply: null }, ok('m3', 2)]);
  t.is(loaded.version, second);
  t.deepEqual(await store.load('Counter/2'), { json: undefined, handled: [], version: 'none' });
});

redisTest('a save based on a stale load is refused with STATE_FENCED and writes nothing', async (t, ns) => {
  const store = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(() => store.close());
  const { version } = await store.load('Counter/1');
  await store.save('Counter/1', { json: '"other writer"', handled: [] });
  const error = await t.throwsAsync(
    store.save('Counter/1', { json: '"stale"', handled: [], ...(version === undefined ? {} : { basedOn: version }) }),
    {
      instanceOf: TurnqError,
    },
  );
  t.is(error?.code, 'STATE_FENCED');
  t.is((await store.load('Counter/1')).json, '"other writer"');
});

redisTest('the handled record keeps the newest HANDLED_RECORD_LIMIT ids', async (t, ns) => {
  const store = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(() => store.close());
  const total = HANDLED_RECORD_LIMIT + 44;
  const all = Array.from({ length: total }, (_, i) => ok(`m${i}`, i));
  await store.save('Counter/1', { json: '1', handled: all.slice(0, 200) });
  await store.save('Counter/1', { json: '2', handled: all.slice(200) });
  const loaded = await store.load('Counter/1');
  t.is(loaded.handled.length, HANDLED_RECORD_LIMIT);
  t.deepEqual(loaded.handled, all.slice(-HANDLED_RECORD_LIMIT));
});

redisTest('a write with an older epoch is refused with STATE_FENCED and writes nothing', async (t, ns) => {
  const store = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(() => store.close());
  const scope = `${ns}.shard.Counter.0`;
  await store.save('Counter/1', { json: '"old owner"', handled: [ok('a', 1)], fence: { scope, epoch: 1 } });
  await store.save('Counter/1', { json: '"new owner"', handled: [ok('b', 2)], fence: { scope, epoch: 2 } });
  const error = await t.throwsAsync(store.save('Counter/1', { json: '"stale"', handled: [ok('c', 3)], fence: { scope, epoch: 1 } }), {
    instanceOf: TurnqError,
  });
  t.is(error?.code, 'STATE_FENCED');
  t.true(error?.retryable);
  const loaded = await store.load('Counter/1');
  t.is(loaded.json, '"new owner"');
  t.deepEqual(
    loaded.handled.map((h) => h.messageId),
    ['a', 'b'],
  );
  // The fence is per scope: another shard's epochs are independent.
  await store.save('Counter/2', { json: '"other"', handled: [], fence: { scope: `${ns}.shard.Counter.1`, epoch: 1 } });
  // An epoch issued by a lease (INCR of the fence key) fences older writers even before any new write.
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  await redis.incr(redisKeys.fence(ns, scope));
  await t.throwsAsync(store.save('Counter/1', { json: '"stale"', handled: [], fence: { scope, epoch: 2 } }), { code: 'STATE_FENCED' });
  t.is((await store.load('Counter/1')).json, '"new owner"');
});

redisTest('an unreachable Redis is a retryable STATE_STORE_FAILED', async (t) => {
  const error = await t.throwsAsync(openRedisStateStore('redis://127.0.0.1:1', 'x'), { instanceOf: TurnqError });
  t.is(error?.code, 'STATE_STORE_FAILED');
  t.true(error?.retryable);
});

redisTest('a save sent again after its answer was lost is applied once (write id)', async (t, ns) => {
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  const keys = [redisKeys.state(ns, 'Counter/1'), redisKeys.handled(ns, 'Counter/1'), redisKeys.fence(ns, 's')];
  const entry = JSON.stringify({ id: 'm1', reply: null });
  const replies = `${ns}.reply.c`;
  const args = ['{"count":1}', HANDLED_RECORD_LIMIT, 1, 'w1', '', 'the reply', 60_000, entry];
  t.deepEqual(await runScript(redis, SAVE_SCRIPT, [...keys, replies], args), [0, 1]);
  // The same write again (as a retry after a lost connection would send it), even after a newer epoch.
  await redis.incr(redisKeys.fence(ns, 's'));
  t.deepEqual(await runScript(redis, SAVE_SCRIPT, [...keys, replies], args), [1, 0]);
  t.deepEqual(await redis.lrange(keys[1] as string, 0, -1), [entry]);
  t.deepEqual(await redis.lrange(replies, 0, -1), ['the reply'], 'its push made once too');
});

redisTest('a push given with a save is made when the write is applied, never when it is refused', async (t, ns) => {
  const store = await openRedisStateStore(REDIS_URL, ns);
  t.teardown(() => store.close());
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  const key = `${ns}.reply.client`;
  const push = (value: string): ListPush => ({ server: REDIS_URL, key, value, ttlMs: 60_000 });
  t.true(store.canPush(push('x')));
  t.false(store.canPush({ ...push('x'), server: 'redis://elsewhere:6379' }), 'another server: the reply goes the usual way');
  const scope = `${ns}.shard.Counter.0`;
  const first = await store.save('Counter/1', { json: '1', handled: [ok('a', 1)], fence: { scope, epoch: 2 }, push: push('reply a') });
  t.deepEqual(await redis.lrange(key, 0, -1), ['reply a']);
  const ttl = await redis.pttl(key);
  t.true(ttl > 0 && ttl <= 60_000);
  // Fenced (an older epoch) and stale (another writer came in between): nothing written, nothing pushed.
  await t.throwsAsync(store.save('Counter/1', { json: '2', handled: [ok('b', 2)], fence: { scope, epoch: 1 }, push: push('reply b') }), {
    code: 'STATE_FENCED',
  });
  await store.save('Counter/1', { json: '3', handled: [], basedOn: first });
  await t.throwsAsync(store.save('Counter/1', { json: '4', handled: [ok('c', 4)], basedOn: first, push: push('reply c') }), {
    code: 'STATE_FENCED',
  });
  t.deepEqual(await redis.lrange(key, 0, -1), ['reply a']);
  t.is((await store.load('Counter/1')).json, '3');
});
