/**
 * The shard consumer's acks when its window is full: an ack that makes no room (the window refilled at
 * once by an unparked delivery, or the ack of a parked delivery) still goes out at once, not when some
 * other delivery of the window ends. Driven at the consumer itself, with a window of two.
 */
import type { ExecutionContext } from 'ava';
import { Queue, QueueEvents } from 'bullmq';
import pino from 'pino';
import { encodeInvocation } from '../../src/protocol/codec.js';
import { randomId } from '../../src/protocol/ids.js';
import { createInvocation } from '../../src/protocol/invocation.js';
import { closeRedis, openRedis } from '../../src/state/redis-connection.js';
import { BULL_PREFIX } from '../../src/state/redis-keys.js';
import { JOB_OPTIONS, toEnvelope } from '../../src/transport/bullmq/job-envelope.js';
import { QueueConsumer } from '../../src/transport/bullmq/queue-consumer.js';
import type { Delivery } from '../../src/transport/transport.js';
import { REDIS_URL, redisTest } from './redis-test.js';

/** How long an ack may take to be applied before the test fails (it takes milliseconds). */
const ACK_WITHIN_MS = 5000;

interface Harness {
  /** Resolves with the delivery of actor `a<n>` once the consumer has delivered it. */
  delivered(n: number): Promise<Delivery>;
  /** Resolves when the job of actor `a<n>` is completed in BullMQ, fails after ACK_WITHIN_MS. */
  completed(n: number): Promise<void>;
}

/**
 * Five jobs (actors a1 to a5) in a fresh queue, consumed with a window of two: with jobs still waiting,
 * a full window makes the consumer wait for room.
 */
async function startConsumer(t: ExecutionContext, ns: string): Promise<Harness> {
  const name = `${ns}.shard.T.0`;
  const redis = await openRedis(REDIS_URL, 'command');
  const workerRedis = await openRedis(REDIS_URL, 'blocking');
  const queue = new Queue(name, { connection: redis, prefix: BULL_PREFIX, skipVersionCheck: true });
  const events = new QueueEvents(name, { connection: { url: REDIS_URL }, prefix: BULL_PREFIX });
  await events.waitUntilReady();
  const jobIds = new Map<number, string>();
  for (const n of [1, 2, 3, 4, 5]) {
    const invocation = createInvocation(
      { actorType: 'T', actorId: `a${n}`, method: 'm', args: [n] },
      { messageId: randomId(), reentrancyId: randomId(), stack: [], deadline: Date.now() + 60_000 },
      undefined,
    );
    const job = await queue.add('m', toEnvelope(encodeInvocation(invocation)), JOB_OPTIONS);
    jobIds.set(n, job.id as string);
  }
  const waiters = new Map<string, (delivery: Delivery) => void>();
  const arrived = new Map<string, Delivery>();
  const consumer = new QueueConsumer(
    {
      redis,
      workerRedis,
      maxBytes: 1 << 20,
      logger: pino({ level: 'warn' }),
      deadLetter: () => Promise.reject(new Error('nothing is dead-lettered here')),
      sendReply: () => Promise.resolve(),
    },
    {
      workerId: 'w',
      types: [],
      prefetch: 2,
      onDelivery: (delivery) => {
        const actor = delivery.invocation.actorId;
        arrived.set(actor, delivery);
        waiters.get(actor)?.(delivery);
      },
      onControl: () => undefined,
    },
    name,
    'shard',
    2,
    undefined,
  );
  t.teardown(async () => {
    await consumer.close(true);
    await events.close();
    await queue.close();
    await closeRedis(redis);
    await closeRedis(workerRedis);
  });
  await consumer.start();
  return {
    delivered: (n) =>
      new Promise((resolve) => {
        const got = arrived.get(`a${n}`);
        if (got !== undefined) resolve(got);
        else waiters.set(`a${n}`, resolve);
      }),
    completed: (n) => {
      const id = jobIds.get(n);
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`job of a${n} not completed within ${ACK_WITHIN_MS} ms of its ack`));
        }, ACK_WITHIN_MS);
        events.on('completed', ({ jobId }) => {
          if (jobId !== id) return;
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

redisTest('an ack that leaves the window full (the next delivery unparked) goes out at once', async (t, ns) => {
  const h = await startConsumer(t, ns);
  const first = await h.delivered(1);
  const second = await h.delivered(2);
  // a2 waits for a locked actor: it stops counting, so the consumer fetches a3 and the window is full.
  second.park();
  await h.delivered(3);
  // a1's turn ends and the next delivery is let in at once, as an activation does (ack, then unpark).
  const completed = h.completed(1);
  first.ack();
  second.unpark();
  await completed;
  t.pass('a1 completed while a2 and a3 still hold the window');
});

redisTest('the ack of a parked delivery goes out at once while the window is full', async (t, ns) => {
  const h = await startConsumer(t, ns);
  await h.delivered(1);
  const second = await h.delivered(2);
  second.park();
  await h.delivered(3);
  // A cancelled call that waited for its actor is acked without running: it frees no room.
  const completed = h.completed(2);
  second.ack();
  await completed;
  t.pass('a2 completed while a1 and a3 still hold the window');
});
