/**
 * The shard consumer and a job whose hash BullMQ cannot read (a field written by hand that BullMQ
 * cannot parse) when it comes with an ack: BullMQ's ack that fetches the next job moves it to active, then fails
 * to read it. The consumer finds it under its lock and fails it with MESSAGE_UNDECODABLE (here the
 * harness's dead-letter queue refuses it, so BullMQ's failed set keeps it), and goes on with the next.
 */
import { bullKeys } from '../../src/transport/bullmq/bull-keys.js';
import { startConsumer } from './consumer-harness.js';
import { rawJobHash } from './redis-helpers.js';
import { redisTest } from './redis-test.js';

for (const [field, fields] of [
  ['data', { data: 'not json {', opts: '{}' }],
  ['opts', { data: '{}', opts: 'not json' }],
  ['opts', { data: '{}', opts: 'null' }],
  ['progress', { data: '{}', opts: '{}', progress: 'half' }],
  ['parent', { data: '{}', opts: '{}', parent: 'not json' }],
] as const) {
  const stored = JSON.stringify(fields);
  redisTest(`a job stored as ${stored}, fetched by an ack, is failed and the next job delivered`, async (t, ns) => {
    const id = 'by-hand-1';
    // a1, a2, the job by hand, a3; a window of one: each ack fetches the next job, a2's the job by hand.
    const h = await startConsumer(t, ns, {
      jobs: 3,
      prefetch: 1,
      prepare: async ({ queue, redis, jobId }) => {
        const keys = bullKeys(queue.name);
        await redis
          .multi()
          .hset(`${keys.jobPrefix}${id}`, rawJobHash(fields))
          // The wait list is consumed from the right: just left of a2 is right after it.
          .linsert(keys.wait, 'BEFORE', jobId(2), id)
          .exec();
      },
    });
    const failed = h.failed(id);
    (await h.delivered(1)).ack();
    (await h.delivered(2)).ack();
    t.regex(await failed, new RegExp(`^MESSAGE_UNDECODABLE: .*field ${field} does not read`));
    const third = await h.delivered(3);
    const completed = h.completed(3);
    third.ack();
    await completed;
    t.is(await h.redis.lpos(bullKeys(h.name).active, id), null);
  });
}
