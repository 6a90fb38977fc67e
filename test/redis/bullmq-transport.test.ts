/**
 * The BullMQ transport with the Redis state store, end to end on a real Redis: calls and saved state,
 * unknown actor types, a window full of parked messages (the chain holding the lock still completes,
 * including a call to another actor of the same shard), the priority lane, and dead-lettering of an
 * undecodable job with an error reply, and of a job whose hash BullMQ itself cannot read.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { decodeReply } from '../../src/protocol/codec.js';
import { fromEnvelope } from '../../src/transport/bullmq/job-envelope.js';
import { Actor } from '../../src/actor/actor.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { names } from '../../src/protocol/sharding.js';
import { HEADER, PROTOCOL_VERSION } from '../../src/protocol/headers.js';
import { openRedisStateStore } from '../../src/state/redis-state-store.js';
import { Counter } from '../../workers/actors/counter.js';
import { startCluster } from '../helpers/cluster.js';
import { bullmqBackend } from '../helpers/redis-backend.js';
import { rawJobHash } from './redis-helpers.js';
import { REDIS_URL, redisTest } from './redis-test.js';

class Pinger extends Actor<{ pongs: number }> {
  static readonly type = 'Pinger';
  protected override initialState(): { pongs: number } {
    return { pongs: 0 };
  }
  /** A -> B -> A: B calls back into this actor while it holds its lock. */
  async ping(peer: string): Promise<number> {
    await this.actor<Ponger>('Ponger', peer).pong(this.id);
    return this.state.pongs;
  }
  pongBack(): number {
    this.state.pongs++;
    return this.state.pongs;
  }
  /** Holds the lock while calling another Pinger of the same shard. */
  async relay(other: string): Promise<number> {
    return this.actor<Pinger>('Pinger', other).pongBack();
  }
}

class Ponger extends Actor<Record<string, never>> {
  static readonly type = 'Ponger';
  protected override initialState(): Record<string, never> {
    return {};
  }
  async pong(from: string): Promise<number> {
    return this.actor<Pinger>('Pinger', from).pongBack();
  }
}

redisTest('calls run over BullMQ and the state lands in Redis', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Counter] });
  const counter = cluster.client.actor<Counter>('Counter', 'c1');
  t.is(await counter.add(2), 2);
  t.is(await counter.add(3), 5);
  t.is(await counter.get(), 5);
  const store = await openRedisStateStore(REDIS_URL, cluster.fixture.namespace);
  t.teardown(() => store.close());
  t.deepEqual(await store.peek('Counter/c1'), { count: 5 });
});

redisTest('publishing to an actor type nobody hosts fails at once with ACTOR_TYPE_UNKNOWN', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Counter] });
  const error = await t.throwsAsync(cluster.client.call('Nobody', '1', 'x', []), { instanceOf: TurnqError });
  t.is(error?.code, 'ACTOR_TYPE_UNKNOWN');
});

redisTest('A -> B -> A goes through the priority lane', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Pinger, Ponger], workers: 2, config: { reentrancy: { enabled: true } } });
  t.is(await cluster.client.actor<Pinger>('Pinger', 'a').ping('b'), 1);
  t.is(await cluster.client.actor<Pinger>('Pinger', 'a').ping('b'), 2);
});

redisTest('a window full of parked messages does not stop the chain holding the lock', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Pinger, Ponger], config: { shards: 1, prefetch: 2 } });
  const client = cluster.client;
  // The first call holds a's lock while it waits for b (same shard); the next ones park behind it.
  const first = client.actor<Pinger>('Pinger', 'a').relay('b');
  const waiting = Array.from({ length: 6 }, () => client.actor<Pinger>('Pinger', 'a').pongBack());
  t.is(await first, 1);
  t.deepEqual(
    (await Promise.all(waiting)).sort((x, y) => x - y),
    [1, 2, 3, 4, 5, 6],
  );
});

redisTest('an undecodable job is dead-lettered with its reason and answered', async (t) => {
  const cluster = await startCluster(t, bullmqBackend, { actors: [Counter], config: { shards: 1 } });
  const ns = cluster.fixture.namespace;
  const redis = new Redis(REDIS_URL);
  t.teardown(() => {
    redis.disconnect();
  });
  const queue = new Queue(names.shard(ns, 'Counter', 0), { connection: { url: REDIS_URL } });
  t.teardown(() => queue.close());
  const dead = new Queue(names.deadLetter(ns), { connection: { url: REDIS_URL } });
  t.teardown(() => dead.close());
  const replyTo = names.reply(ns, 'probe');
  const messageId = randomId();
  // Headers good enough to carry a reply address, body not JSON.
  await queue.add('raw', {
    headers: { [HEADER.protocol]: PROTOCOL_VERSION, [HEADER.messageId]: messageId, [HEADER.replyTo]: replyTo },
    body: 'not json',
  });
  const popped = await redis.brpop(replyTo, 10);
  t.truthy(popped);
  const reply = decodeReply(fromEnvelope(JSON.parse(popped?.[1] ?? 'null')));
  t.is(reply.correlationId, messageId);
  t.is(reply.status, 'error');
  t.is(reply.error?.code, 'MESSAGE_INVALID');
  // Dead-lettered after the reply went out: wait for it through BullMQ's own wait.
  const deadJob = await new Promise<unknown>((resolve, reject) => {
    const poll = (): void => {
      dead.getJobs(['wait']).then((jobs) => {
        if (jobs.length > 0) resolve(jobs[0]?.data);
        else setImmediate(poll);
      }, reject);
    };
    poll();
  });
  const entry = deadJob as { code: string; reason: string; queue: string };
  t.is(entry.queue, names.shard(ns, 'Counter', 0));
  t.is(entry.code, 'MESSAGE_INVALID');
  t.true(entry.reason.length > 0);
});

// Job hashes as BullMQ lays them out, with a field that no BullMQ client would write: BullMQ's fetch
// moves such a job to active, then fails to read it.
for (const [field, fields] of [
  ['data', { data: 'not json {', opts: '{}' }],
  ['parent', { data: '{"not":"an envelope"}', opts: '{}', parent: 'not json' }],
] as const) {
  redisTest(`a job whose ${field} BullMQ cannot read (written by hand) is dead-lettered, and the next job is served`, async (t) => {
    const cluster = await startCluster(t, bullmqBackend, { actors: [Counter], config: { shards: 1 } });
    const ns = cluster.fixture.namespace;
    const shard = names.shard(ns, 'Counter', 0);
    const redis = new Redis(REDIS_URL);
    t.teardown(() => {
      redis.disconnect();
    });
    const events = new QueueEvents(shard, { connection: { url: REDIS_URL } });
    t.teardown(() => events.close());
    await events.waitUntilReady();
    const dead = new Queue(names.deadLetter(ns), { connection: { url: REDIS_URL } });
    t.teardown(() => dead.close());
    const id = 'by-hand-1';
    const failed = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('the job by hand was not failed within 10 s (still in active?)'));
      }, 10_000);
      events.on('failed', ({ jobId, failedReason }) => {
        if (jobId !== id) return;
        clearTimeout(timer);
        resolve(failedReason);
      });
    });
    // Ahead of a real call in the queue.
    await redis
      .multi()
      .hset(`bull:${shard}:${id}`, rawJobHash(fields))
      .lpush(`bull:${shard}:wait`, id)
      .zadd(`bull:${shard}:marker`, 0, '0')
      .exec();
    t.is(await cluster.client.actor<Counter>('Counter', 'c1').add(4), 4);
    t.regex(await failed, new RegExp(`^MESSAGE_UNDECODABLE: .*field ${field} does not read`));
    const [entry] = (await dead.getJobs(['wait'])).map((job) => job.data as { code: string; reason: string; queue: string; data: unknown });
    t.is(entry?.queue, shard);
    t.is(entry?.code, 'MESSAGE_UNDECODABLE');
    t.is(entry?.data, fields.data);
    t.is(await redis.lpos(`bull:${shard}:active`, id), null);
  });
}
