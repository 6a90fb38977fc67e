/**
 * The shard consumer on a queue that holds its jobs back: paused (BullMQ's `Queue.pause`) or at its
 * global concurrency (`Queue.setGlobalConcurrency`). BullMQ's fetch then hands out nothing while jobs
 * wait: the consumer must wait (for the marker that resume sets, or for a slot to free) instead of
 * fetching again and again, and serve the jobs once they may run.
 */
import type { ExecutionContext } from 'ava';
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MORE_WAITING_SCRIPT, type Waiting } from '../../src/transport/bullmq/queue-consumer.js';
import { startConsumer, type Harness } from './consumer-harness.js';
import { redisTest } from './redis-test.js';

/** Fetches on one queue after which a consumer that keeps fetching counts as spinning. */
const SPINNING = 25;

interface Watch {
  /** Fetches (`getNextJob`) sent on the queue so far. */
  fetches(): number;
  /**
   * Resolves with 'waits' once the probe `turnq-more-waiting` has answered `seen`, or with 'spins' once
   * SPINNING fetches were sent before it did.
   */
  heldBack(seen: Waiting): Promise<'waits' | 'spins'>;
}

/** Counts the fetches on `queue` (every BullMQ worker of this process) and the probe's answers. */
function watch(queue: string, workerRedis: Redis, teardown: (fn: () => void) => void): Watch {
  let fetches = 0;
  const listeners = new Set<() => void>();
  const answers: unknown[] = [];
  const prototype = Worker.prototype as {
    getNextJob: (this: Worker, ...args: Parameters<Worker['getNextJob']>) => ReturnType<Worker['getNextJob']>;
  };
  const original = prototype.getNextJob;
  prototype.getNextJob = function (this: Worker, ...args) {
    if (this.name === queue) {
      fetches++;
      for (const listener of listeners) listener();
    }
    return original.apply(this, args);
  };
  const evalsha = workerRedis.evalsha.bind(workerRedis) as (...args: unknown[]) => Promise<unknown>;
  (workerRedis as { evalsha: unknown }).evalsha = async (...args: unknown[]): Promise<unknown> => {
    const result = await evalsha(...args);
    if (args[0] === MORE_WAITING_SCRIPT.sha) {
      answers.push(result);
      for (const listener of listeners) listener();
    }
    return result;
  };
  teardown(() => {
    prototype.getNextJob = original;
  });
  return {
    fetches: () => fetches,
    heldBack: (seen) =>
      new Promise((resolve) => {
        const check = (): void => {
          const outcome = answers.includes(seen) ? 'waits' : fetches >= SPINNING ? 'spins' : undefined;
          if (outcome === undefined) return;
          listeners.delete(check);
          resolve(outcome);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** A consumer (window of 4) of `jobs` jobs on a queue that `holdBack` set up before it started, watched. */
async function startHeldBack(
  t: ExecutionContext,
  ns: string,
  jobs: number,
  holdBack: (queue: Queue) => Promise<unknown>,
): Promise<{ h: Harness; w: Watch }> {
  let w: Watch | undefined;
  const h = await startConsumer(t, ns, {
    jobs,
    prefetch: 4,
    prepare: async ({ queue, workerRedis }) => {
      await holdBack(queue);
      w = watch(queue.name, workerRedis, (fn) => {
        t.teardown(fn);
      });
    },
  });
  if (w === undefined) throw new Error('the harness did not run prepare');
  return { h, w };
}

redisTest('a paused queue: the consumer waits for the resume instead of fetching again and again', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 2, (queue) => queue.pause());
  t.is(await w.heldBack('paused'), 'waits', `fetches sent while paused: ${w.fetches()}`);
  t.is(w.fetches(), 1, 'one fetch (it got nothing), then the probe said "paused"');
  t.is(h.deliveries(), 0);
  await h.queue.resume();
  const first = await h.delivered(1);
  const second = await h.delivered(2);
  const completed = Promise.all([h.completed(1), h.completed(2)]);
  first.ack();
  second.ack();
  await completed;
});

redisTest('a queue at its global concurrency: the consumer waits for a slot, and its ack fetches the next job', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 3, (queue) => queue.setGlobalConcurrency(1));
  const first = await h.delivered(1);
  t.is(await w.heldBack('maxed'), 'waits', `fetches sent while a1 held the only slot: ${w.fetches()}`);
  t.is(h.deliveries(), 1);
  // a1's ack frees the slot and fetches a2 in the same script: no plain fetch is sent.
  const fetchesBefore = w.fetches();
  first.ack();
  const second = await h.delivered(2);
  second.ack();
  const third = await h.delivered(3);
  const completed = h.completed(3);
  third.ack();
  await completed;
  t.is(w.fetches(), fetchesBefore, 'each next job came with the ack that freed its slot');
});
