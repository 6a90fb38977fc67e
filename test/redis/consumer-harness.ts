/**
 * One shard consumer (QueueConsumer) driven directly, on a fresh BullMQ queue holding jobs for actors
 * `a1` … `a<jobs>` (added in that order), for tests of the fetch loop and its acks.
 */
import type { ExecutionContext } from 'ava';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { encodeInvocation } from '../../src/protocol/codec.js';
import { randomId } from '../../src/protocol/ids.js';
import { createInvocation } from '../../src/protocol/invocation.js';
import { closeRedis, openRedis } from '../../src/state/redis-connection.js';
import { BULL_PREFIX } from '../../src/state/redis-keys.js';
import { JOB_OPTIONS, toEnvelope } from '../../src/transport/bullmq/job-envelope.js';
import { QueueConsumer } from '../../src/transport/bullmq/queue-consumer.js';
import type { Delivery } from '../../src/transport/transport.js';
import { REDIS_URL } from './redis-test.js';

/** How long an ack may take to be applied before the test fails (it takes milliseconds). */
const ACK_WITHIN_MS = 5000;

export interface HarnessOptions {
  readonly jobs: number;
  /** The consumer's window. */
  readonly prefetch: number;
  /** Runs after the jobs are added, before the consumer starts (e.g. to pause the queue). */
  readonly prepare?: (parts: {
    readonly queue: Queue;
    readonly redis: Redis;
    readonly workerRedis: Redis;
    /** The BullMQ job id of actor `a<n>`'s job. */
    readonly jobId: (n: number) => string;
  }) => Promise<void>;
}

export interface Harness {
  readonly queue: Queue;
  /** A command connection of the harness's own. */
  readonly redis: Redis;
  /** The queue's name (a shard queue of type `T`). */
  readonly name: string;
  /** How many deliveries the consumer has made so far. */
  deliveries(): number;
  /** Resolves with the delivery of actor `a<n>` once the consumer has delivered it. */
  delivered(n: number): Promise<Delivery>;
  /** Resolves when the job of actor `a<n>` is completed in BullMQ, fails after ACK_WITHIN_MS. */
  completed(n: number): Promise<void>;
  /** Resolves with the reason once job `id` has failed in BullMQ, fails after ACK_WITHIN_MS. */
  failed(id: string): Promise<string>;
}

export async function startConsumer(t: ExecutionContext, ns: string, options: HarnessOptions): Promise<Harness> {
  const name = `${ns}.shard.T.0`;
  const redis = await openRedis(REDIS_URL, 'command');
  const workerRedis = await openRedis(REDIS_URL, 'blocking');
  const queue = new Queue(name, { connection: redis, prefix: BULL_PREFIX, skipVersionCheck: true });
  const events = new QueueEvents(name, { connection: { url: REDIS_URL }, prefix: BULL_PREFIX });
  await events.waitUntilReady();
  const jobIds = new Map<number, string>();
  for (let n = 1; n <= options.jobs; n++) {
    const invocation = createInvocation(
      { actorType: 'T', actorId: `a${n}`, method: 'm', args: [n] },
      { messageId: randomId(), reentrancyId: randomId(), stack: [], deadline: Date.now() + 60_000 },
      undefined,
    );
    const job = await queue.add('m', toEnvelope(encodeInvocation(invocation)), JOB_OPTIONS);
    jobIds.set(n, job.id as string);
  }
  await options.prepare?.({ queue, redis, workerRedis, jobId: (n) => jobIds.get(n) ?? '' });
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
      prefetch: options.prefetch,
      onDelivery: (delivery) => {
        const actor = delivery.invocation.actorId;
        arrived.set(actor, delivery);
        waiters.get(actor)?.(delivery);
      },
      onControl: () => undefined,
    },
    name,
    'shard',
    options.prefetch,
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
  /** Resolves with the failed reason (or '') once job `id` reaches `state`; fails after ACK_WITHIN_MS. */
  const finished = (what: string, id: string | undefined, state: 'completed' | 'failed'): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${what} not ${state} within ${ACK_WITHIN_MS} ms`));
      }, ACK_WITHIN_MS);
      events.on(state, (event: { jobId: string; failedReason?: string }) => {
        if (event.jobId !== id) return;
        clearTimeout(timer);
        resolve(event.failedReason ?? '');
      });
    });
  return {
    queue,
    redis,
    name,
    deliveries: () => arrived.size,
    delivered: (n) =>
      new Promise((resolve) => {
        const got = arrived.get(`a${n}`);
        if (got !== undefined) resolve(got);
        else waiters.set(`a${n}`, resolve);
      }),
    completed: async (n) => {
      await finished(`job of a${n}`, jobIds.get(n), 'completed');
    },
    failed: (id) => finished(`job ${id}`, id, 'failed'),
  };
}
