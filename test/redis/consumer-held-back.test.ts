/**
 * The shard consumer on a queue that holds its jobs back: paused (BullMQ's `Queue.pause`), at its
 * global concurrency (`Queue.setGlobalConcurrency`) or rate limited (`Queue.setGlobalRateLimit`).
 * BullMQ's fetch then hands out nothing while jobs wait: the consumer must wait (for the marker that
 * resume sets, for a slot to free, or backing off) instead of fetching again and again, and serve the
 * jobs as soon as they may run.
 *
 * "Does not spin" is an absence, which no event tells: it is checked over a quiet window (QUIET_MS), in
 * which a waiting consumer sends nothing at all and a spinning one hundreds of fetches. "As soon as" is
 * checked against the consumer's fallback waits (MARKER_WAIT_S): a wake-up it missed shows as a
 * delivery seconds late.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { MARKER_WAIT_S, MORE_WAITING_SCRIPT } from '../../src/transport/bullmq/queue-consumer.js';
import type { Delivery } from '../../src/transport/transport.js';
import { startConsumer, type Harness } from './consumer-harness.js';
import { redisTest } from './redis-test.js';

/** Fetches on one queue after which a consumer that keeps fetching counts as spinning. */
const SPINNING = 25;
/** The window over which a consumer that waits must send no fetch (a spinning one sends hundreds). */
const QUIET_MS = 250;
/**
 * A delivery later than this after what should have woken the consumer waited for a fallback: the
 * fallback waits (MARKER_WAIT_S) start just before the tests act, so a missed wake-up shows as a delay
 * of nearly MARKER_WAIT_S; the second left over leaves room for a loaded machine.
 */
const LIVE_MS = MARKER_WAIT_S * 1000 - 1000;

interface Watch {
  /** Fetches (`getNextJob`) sent on the queue so far. */
  fetches(): number;
  /** Answers of the probe `turnq-more-waiting` so far. */
  answers(): readonly unknown[];
  /** BZPOPMIN waits on the queue's marker that returned the marker (not a timeout) so far. */
  markerWakes(): number;
  /**
   * Resolves with 'waits' once `ready()` holds (checked on every fetch, probe answer and marker wait),
   * with 'spins' once SPINNING fetches were sent before it did, or with 'stalls' after LIVE_MS.
   */
  until(ready: () => boolean): Promise<'waits' | 'spins' | 'stalls'>;
  /** True while a BZPOPMIN on the queue's marker is under way. */
  blocked(): boolean;
}

/**
 * Who counts the fetches (`getNextJob`) of each queue, over every BullMQ worker of this process. One
 * patch for the whole file: the tests run at once, and patches that each test put on and took off again
 * would undo each other.
 */
const fetched = new Map<string, () => void>();
const prototype = Worker.prototype as {
  getNextJob: (this: Worker, ...args: Parameters<Worker['getNextJob']>) => ReturnType<Worker['getNextJob']>;
};
const original = prototype.getNextJob;
prototype.getNextJob = function (this: Worker, ...args) {
  fetched.get(this.name)?.();
  return original.apply(this, args);
};

/** Counts the fetches on `queue` (every BullMQ worker of this process), the probe's answers and marker waits. */
function watch(t: ExecutionContext, queue: string, workerRedis: Redis): Watch {
  let fetches = 0;
  let blocked = 0;
  let markerWakes = 0;
  const answers: unknown[] = [];
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  fetched.set(queue, () => {
    fetches++;
    changed();
  });
  t.teardown(() => fetched.delete(queue));
  const evalsha = workerRedis.evalsha.bind(workerRedis) as (...args: unknown[]) => Promise<unknown>;
  (workerRedis as { evalsha: unknown }).evalsha = async (...args: unknown[]): Promise<unknown> => {
    const result = await evalsha(...args);
    if (args[0] === MORE_WAITING_SCRIPT.sha) {
      answers.push(result);
      changed();
    }
    return result;
  };
  // The consumer waits for the marker on a duplicate of the workers' connection.
  const duplicate = workerRedis.duplicate.bind(workerRedis);
  workerRedis.duplicate = (...args) => {
    const connection = duplicate(...args);
    const bzpopmin = connection.bzpopmin.bind(connection) as (...a: unknown[]) => Promise<unknown>;
    (connection as { bzpopmin: unknown }).bzpopmin = async (...a: unknown[]): Promise<unknown> => {
      blocked++;
      changed();
      try {
        const popped = await bzpopmin(...a);
        if (popped !== null) markerWakes++;
        return popped;
      } finally {
        blocked--;
        changed();
      }
    };
    return connection;
  };
  return {
    fetches: () => fetches,
    answers: () => answers,
    markerWakes: () => markerWakes,
    blocked: () => blocked > 0,
    until: (ready) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          done('stalls');
        }, LIVE_MS);
        const check = (): void => {
          if (ready()) done('waits');
          else if (fetches >= SPINNING) done('spins');
        };
        const done = (outcome: 'waits' | 'spins' | 'stalls'): void => {
          clearTimeout(timer);
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
      w = watch(t, queue.name, workerRedis);
    },
  });
  if (w === undefined) throw new Error('the harness did not run prepare');
  return { h, w };
}

/** The delivery of `a<n>`, or a failure when it comes LIVE_MS or more after the call. */
async function deliveredSoon(h: Harness, n: number): Promise<Delivery> {
  const started = Date.now();
  const delivery = await h.delivered(n);
  const late = Date.now() - started;
  if (late >= LIVE_MS) throw new Error(`a${n} delivered ${late} ms late: the consumer missed a wake-up`);
  return delivery;
}

/** Fails unless the consumer sends no fetch and runs no probe over QUIET_MS. */
async function staysQuiet(t: ExecutionContext, w: Watch, what: string): Promise<void> {
  const fetches = w.fetches();
  const probes = w.answers().length;
  await sleep(QUIET_MS);
  t.is(w.fetches(), fetches, `fetches sent ${what}`);
  t.is(w.answers().length, probes, `probes run ${what}`);
}

redisTest('a paused queue: the consumer waits on the marker until the resume, without fetching', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 2, (queue) => queue.pause());
  t.is(await w.until(() => w.answers().includes('paused') && w.blocked()), 'waits', `fetches: ${w.fetches()}`);
  t.is(w.fetches(), 1, 'one fetch (it got nothing), then the probe said "paused"');
  await staysQuiet(t, w, 'while paused');
  t.is(h.deliveries(), 0);
  await h.queue.resume();
  const first = await deliveredSoon(h, 1);
  const second = await deliveredSoon(h, 2);
  t.is(w.markerWakes(), 1, "woken by the marker BullMQ's resume set");
  const completed = Promise.all([h.completed(1), h.completed(2)]);
  first.ack();
  second.ack();
  await completed;
});

redisTest('a queue at its global concurrency: the consumer waits for a slot, and its ack fetches the next job', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 3, (queue) => queue.setGlobalConcurrency(1));
  const first = await h.delivered(1);
  t.is(await w.until(() => w.answers().includes('maxed')), 'waits', `fetches: ${w.fetches()}`);
  await staysQuiet(t, w, 'while a1 held the only slot');
  t.is(h.deliveries(), 1);
  const fetches = w.fetches();
  first.ack();
  const second = await deliveredSoon(h, 2);
  second.ack();
  const third = await deliveredSoon(h, 3);
  const completed = h.completed(3);
  third.ack();
  await completed;
  t.is(w.fetches(), fetches, 'each next job came with the ack that freed its slot');
});

redisTest('a queue at its global concurrency: a dead-lettered delivery frees its slot for the next job', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 2, (queue) => queue.setGlobalConcurrency(1));
  const first = await h.delivered(1);
  t.is(await w.until(() => w.answers().includes('maxed')), 'waits', `fetches: ${w.fetches()}`);
  // The harness's dead-letter queue refuses it, so the job is failed in BullMQ: the slot frees later still.
  first.deadLetter(new TurnqError('MESSAGE_INVALID', { message: 'refused by the test' }));
  const second = await deliveredSoon(h, 2);
  const completed = h.completed(2);
  second.ack();
  await completed;
});

redisTest('a rate-limited queue: the consumer backs off instead of fetching again and again', async (t, ns) => {
  const { h, w } = await startHeldBack(t, ns, 3, (queue) => queue.setGlobalRateLimit(1, 60_000));
  await h.delivered(1);
  // Limited now for a minute: BullMQ's fetch hands out nothing, the probe still sees jobs waiting.
  const fetches = w.fetches();
  await sleep(QUIET_MS);
  const sent = w.fetches() - fetches;
  t.true(sent < SPINNING, `fetches sent over ${QUIET_MS} ms while limited: ${sent}`);
  t.is(h.deliveries(), 1);
});
