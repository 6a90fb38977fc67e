/**
 * Consumes one BullMQ queue (a shard queue while this worker holds its lease, or the worker's priority
 * lane) with a BullMQ Worker in manual mode (`getNextJob` / `moveToCompleted`), so that turnq decides
 * what counts against the window:
 *
 * - at most `prefetch` runnable deliveries are held; a parked delivery (waiting for a locked actor) does
 *   not count, so the fetch loop goes on and the chain holding the lock keeps flowing;
 * - the fetch loop sends its fetches in batches sized to the queue's depth (one round trip for several
 *   jobs, ended by a probe of what is left), delivered in queue order; acks that arrive while it runs
 *   rounds go with its next round and fetch too, other acks go out at once;
 * - ack = `moveToCompleted` with this consumer's lock token (a stale holder's ack fails and is logged);
 * - requeue and close put the jobs back at the front of the wait list, oldest consumed first;
 * - undecodable or invalid jobs are dead-lettered, with an error reply when they have a reply address.
 *
 * BullMQ's own lock renewal and stalled check are off: the shard lease (shard-lease.ts) decides who
 * owns the jobs; locks are taken for LOCK_MS and extended every LOCK_MS / 2 while held.
 */
import { setImmediate as afterWrites, setTimeout as sleep } from 'node:timers/promises';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { TurnqError } from '../../errors/turnq-error.js';
import { IdMap } from '../../protocol/id-map.js';
import { randomId } from '../../protocol/ids.js';
import type { Lane, Reply } from '../../protocol/invocation.js';
import { luaScript, runScript } from '../../state/redis-connection.js';
import { BULL_PREFIX } from '../../state/redis-keys.js';
import type { Fence } from '../../state/state-store.js';
import type { ConsumeSpec, Delivery } from '../transport.js';
import { decodeJob } from './job-envelope.js';
import { failUnreadable, findUnreadable } from './unreadable-jobs.js';
import { bullKeys } from './bull-keys.js';
import { returnJobs } from './shard-lease.js';

export const LOCK_MS = 10 * 60_000;
/**
 * KEYS[1] wait, KEYS[2] prioritized, KEYS[3] marker, KEYS[4] meta, KEYS[5] active
 * Returns `more` when jobs are waiting and a fetch may take them; `none` when none wait, after removing
 * the immediate marker (member "0") so that BZPOPMIN on the marker blocks until the next add (every add
 * puts the marker back; so does every fetch that hands out a job, whether more wait or not); `paused`
 * when jobs wait but the queue is paused (`meta` field `paused`, set by BullMQ's `Queue.pause`), after
 * removing the marker too (BullMQ's resume puts it back); `maxed` when jobs wait but the queue's global
 * concurrency (`meta` field `concurrency`) is reached by the jobs in `active` (BullMQ's fetch then hands
 * out nothing, and neither adds nor acks touch the marker). Sent behind the fetches of a round, or after
 * an ack round that got fewer jobs than it asked for.
 */
export const MORE_WAITING_SCRIPT = luaScript(
  'turnq-more-waiting',
  `if redis.call('LLEN', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[3], '0')
  return 'none'
end
local meta = redis.call('HMGET', KEYS[4], 'paused', 'concurrency')
if meta[1] then
  redis.call('ZREM', KEYS[3], '0')
  return 'paused'
end
if meta[2] and redis.call('LLEN', KEYS[5]) >= tonumber(meta[2]) then return 'maxed' end
return 'more'`,
);

/**
 * What the probe saw: jobs a fetch may take (`more`), none (`none`), or jobs held back by the queue
 * (`paused`, or `maxed` by its global concurrency).
 */
export type Waiting = 'more' | 'none' | 'paused' | 'maxed';
const WAITING: ReadonlySet<unknown> = new Set<Waiting>(['more', 'none', 'paused', 'maxed']);

/** How often a consumer whose lease renewal is late checks again before fetching. */
const LEASE_WAIT_MS = 100;

/** Longest single wait for new jobs (seconds); the loop then checks again. */
export const MARKER_WAIT_S = 5;

/**
 * Longest pause between rounds that get no job although jobs wait (BullMQ holds them back for a reason
 * the probe does not check, such as a rate limit): the pauses double from 1 ms up to this.
 */
const EMPTY_BACKOFF_MAX_MS = 100;

/**
 * Most fetches the loop sends at once (pipelined on one connection). A batch asks for one job more than
 * the last batch got, up to this (and to the room in the window); see #run.
 */
export const MAX_FETCH_BATCH = 16;

export interface ConsumerContext {
  /** Commands and scripts (fails fast while Redis is away). */
  readonly redis: Redis;
  /** The connection handed to BullMQ workers (`maxRetriesPerRequest: null`, as BullMQ requires). */
  readonly workerRedis: Redis;
  readonly maxBytes: number;
  readonly logger: Logger;
  deadLetter(queue: string, data: unknown, error: TurnqError): Promise<void>;
  sendReply(address: string, reply: Reply): Promise<void>;
}

/** BullMQ's own conversion of raw job data (what its processing loop uses after fetchNext). */
interface WorkerInternals {
  nextJobFromJobData(jobData: unknown, jobId: string, token: string): Promise<Job | undefined>;
}

/** A round's outcome: jobs delivered, and what the probe behind its fetches saw waiting. */
interface Round {
  readonly got: number;
  readonly waiting: Waiting;
}

interface Held {
  readonly job: Job;
  readonly seq: number;
  parked: boolean;
}

export class QueueConsumer {
  readonly queue: string;
  readonly #context: ConsumerContext;
  readonly #spec: ConsumeSpec;
  readonly #lane: Lane;
  readonly #prefetch: number;
  readonly #fence: Fence | undefined;
  /** False while the shard's lease may have lapsed: no fetching then (the next owner may hold it). */
  readonly #mayFetch: () => boolean;
  readonly #worker: Worker;
  readonly #token = randomId();
  /** Jobs held, by job id (an IdMap: see id-map.ts). */
  readonly #held = new IdMap<Held>();
  /**
   * Redis operations under way that `close` waits for (acks, give-backs, dead letters), and who waits
   * for none to be left: a count, not a Set of the promises, which every ack would enter and leave
   * (see held-list.ts for what that costs).
   */
  #operations = 0;
  #whenIdle: (() => void)[] = [];
  #runnable = 0;
  #seq = 0;
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #lockTimer: NodeJS.Timeout | undefined;
  #blocking: Redis | undefined;
  /**
   * True while the loop waits for jobs, for the lease, after a failure or backing off: an ack then goes
   * out at once, without a fetch. Otherwise (it runs rounds, or waits for room or for a slot) its next
   * round carries the ack with a fetch, or its next pause sends it.
   */
  #idle = false;
  /** Dead-letters and requeues finished so far (each freed a slot in `active`; see #woken). */
  #slotsFreed = 0;
  /** Acks left for the loop's next round (see #ackRound). */
  #acks: Job[] = [];
  readonly #markerKey: string;
  readonly #probeKeys: string[];

  constructor(
    context: ConsumerContext,
    spec: ConsumeSpec,
    queue: string,
    lane: Lane,
    prefetch: number,
    ownership: { readonly fence: Fence; mayFetch(): boolean } | undefined,
  ) {
    this.#context = context;
    this.#spec = spec;
    this.queue = queue;
    this.#lane = lane;
    this.#prefetch = prefetch;
    this.#fence = ownership?.fence;
    this.#mayFetch = ownership === undefined ? () => true : () => ownership.mayFetch();
    const keys = bullKeys(queue);
    this.#markerKey = keys.marker;
    this.#probeKeys = [keys.wait, keys.prioritized, keys.marker, keys.meta, keys.active];
    this.#worker = new Worker(queue, null, {
      connection: context.workerRedis,
      prefix: BULL_PREFIX,
      autorun: false,
      lockDuration: LOCK_MS,
      skipStalledCheck: true,
      skipLockRenewal: true,
      drainDelay: 5,
    });
    this.#worker.on('error', (error) => {
      if (!this.#stopping) context.logger.warn({ err: error, queue }, 'BullMQ worker error');
    });
  }

  /** Opens the connection that waits for new jobs, then starts fetching. */
  async start(): Promise<void> {
    const blocking = this.#context.workerRedis.duplicate();
    // Failures surface through the BZPOPMIN calls (logged in #waitForJobs).
    blocking.on('error', () => undefined);
    await blocking.connect();
    this.#blocking = blocking;
    this.#loop = this.#run();
    this.#lockTimer = setInterval(() => {
      this.#extendLocks();
    }, LOCK_MS / 2).unref();
  }

  /**
   * The fetch loop. Each round sends a batch of fetches at once (one round trip for all: Redis runs them
   * in the order sent, one job each), with the probe `turnq-more-waiting` behind them on the same
   * connection, and delivers what they got in that order. Acks that come while the loop runs rounds (or
   * waits for room, which they may make) wait for its next round, which sends them together, each
   * fetching the next job in the same script (#ackRound): under load a job costs one script for its ack
   * and the next fetch, not two; such a round probes (a round trip of its own) only when it got fewer
   * jobs than it asked for, as it mostly gets them all under load. While the probe sees more waiting,
   * the next batch asks for one job more than this one got, within the window's room and
   * MAX_FETCH_BATCH, so it follows the queue's depth. When it sees none, it has removed the marker that
   * BullMQ sets behind every job it hands out, and the loop blocks on the marker until the next add, then
   * starts again with one fetch; so it does when the queue is paused (BullMQ's resume sets the marker).
   * When jobs wait but the queue's global concurrency is reached, the loop waits for a slot (#woken).
   * When fetches get nothing twice in a row while jobs wait (BullMQ holds them back for a reason the probe
   * does not see, such as a rate limit), it backs off, 1 ms doubling up to EMPTY_BACKOFF_MAX_MS. Whenever
   * the loop pauses, the acks left for it go out at once.
   */
  async #run(): Promise<void> {
    let batch = 1;
    /** Rounds in a row that got no job while the probe said more were waiting. */
    let empty = 0;
    /** #slotsFreed when the round was sent: a slot freed since then is not waited for. */
    let freed: number;
    while (!this.#stopping) {
      const room = this.#prefetch - this.#runnable;
      if (room <= 0) {
        await this.#pause(this.#woken(), false);
        continue;
      }
      if (!this.#mayFetch()) {
        await this.#pause(sleep(LEASE_WAIT_MS), true);
        continue;
      }
      let round: Round;
      try {
        // Acks left for this round carry its fetches; without any, plain fetches. Rounds run one at a
        // time, each delivering what it got before the next: deliveries follow queue order, which
        // per-actor order relies on.
        freed = this.#slotsFreed;
        const acks = this.#acks;
        this.#acks = [];
        const asked = Math.max(0, Math.min(acks.length > 0 ? acks.length : batch, room));
        round = await (acks.length > 0 ? this.#ackRound(acks, asked) : this.#fetchBatch(asked));
      } catch (error) {
        if (this.#stopping) {
          await this.#rescueUnreadable();
          break;
        }
        this.#context.logger.warn({ err: error, queue: this.queue }, 'fetching a job failed; retrying');
        batch = 1;
        if ((await this.#rescueUnreadable()) === 0) await this.#pause(sleep(200), true);
        continue;
      }
      empty = round.got === 0 && round.waiting === 'more' ? empty + 1 : 0;
      if (round.waiting === 'more') {
        batch = Math.min(MAX_FETCH_BATCH, round.got + 1);
        // Jobs wait, yet fetches got none twice in a row: BullMQ holds them back for a reason the probe
        // does not see (a rate limit, say). Back off instead of spinning.
        if (empty > 1) await this.#pause(sleep(Math.min(EMPTY_BACKOFF_MAX_MS, 2 ** (empty - 2))), true);
      } else {
        batch = 1;
        // An ack left for the loop frees a slot: its round goes at once (it may have come before the
        // probe); so does the next round when a dead-letter or requeue freed one since this round went.
        if (round.waiting === 'maxed') {
          if (this.#acks.length === 0 && this.#slotsFreed === freed) await this.#pause(this.#woken(MARKER_WAIT_S * 1000), false);
        } else await this.#pause(this.#waitForJobs(), true);
      }
    }
    this.#flushAcks();
  }

  /**
   * The loop waits until `until` settles (`idle`: for anything but room, see #idle), then runs rounds
   * again. The acks left for it go out now, without fetching: also when it pauses for room, as an ack
   * that made no room (the window refilled by an unparked delivery, or the ack of a parked one) would
   * otherwise wait for another.
   */
  async #pause(until: Promise<unknown>, idle: boolean): Promise<void> {
    this.#idle = idle;
    this.#flushAcks();
    try {
      await until;
    } finally {
      this.#idle = false;
    }
  }

  /** The acks left for the loop go out now, without fetching. */
  #flushAcks(): void {
    const acks = this.#acks;
    this.#acks = [];
    for (const job of acks) this.#ack(job);
  }

  /** A plain ack, with no fetch; a failure is logged (the job stays active, as a failed ack leaves it). */
  #ack(job: Job): void {
    void this.#track(job.moveToCompleted(null, this.#token, false), 'acknowledging a job');
  }

  /**
   * Sends the acks left for this round together, the first `fetches` of them fetching the next job in the
   * same script (`moveToCompleted(…, fetchNext)`), and delivers the jobs in the order sent; probes only
   * when they got fewer than asked (a full round means "more waiting"). A failed ack is logged (the job
   * stays active, as a failed plain ack leaves it).
   */
  async #ackRound(acks: readonly Job[], fetches: number): Promise<Round> {
    const results = await Promise.all(
      acks.map((job, i) => this.#track(job.moveToCompleted(null, this.#token, i < fetches), 'acknowledging a job')),
    );
    let got = 0;
    // #track gives undefined for an ack that failed: BullMQ may have moved a job it then could not read.
    let failed = results.includes(undefined);
    for (const result of results) {
      try {
        if (await this.#takeFetched(result)) got++;
      } catch (error) {
        failed = true;
        this.#context.logger.warn({ err: error, queue: this.queue }, 'reading a fetched job failed');
      }
    }
    if (failed) await this.#rescueUnreadable();
    return { got, waiting: got < fetches ? await this.#probe(false) : 'more' };
  }

  /**
   * Sends `count` fetches together, then the probe, and delivers the jobs in the order the fetches were
   * sent (the order Redis ran them in: one connection, one code path up to the command). Fails (after
   * delivering what came) when a fetch failed.
   */
  async #fetchBatch(count: number): Promise<Round> {
    const fetches: Promise<Job | undefined>[] = [];
    for (let i = 0; i < count; i++) fetches.push(this.#worker.getNextJob(this.#token, { block: false }));
    const more = this.#probe(true);
    const results = await Promise.allSettled(fetches);
    let got = 0;
    let failure: Error | undefined;
    for (const result of results) {
      if (result.status === 'rejected') failure ??= result.reason instanceof Error ? result.reason : new Error(String(result.reason));
      else if (result.value?.id !== undefined) {
        this.#take(result.value);
        got++;
      }
    }
    const waiting = await more;
    if (failure !== undefined) throw failure;
    return { got, waiting };
  }

  /**
   * `turnq-more-waiting` on the workers' connection. `behindFetches`: sent once the round's fetches are
   * written (BullMQ issues them a few promise steps after the call; all of those run before
   * `setImmediate`), so that Redis runs it after them: it then tells whether anything is left, and clears
   * the marker if not. Sent too early it would only cost an extra round (it sees the jobs the fetches then
   * take). A failed probe counts as "more waiting" (the next round finds out), and is logged.
   */
  async #probe(behindFetches: boolean): Promise<Waiting> {
    if (behindFetches) await afterWrites();
    try {
      const seen = await runScript(this.#context.workerRedis, MORE_WAITING_SCRIPT, this.#probeKeys, []);
      return WAITING.has(seen) ? (seen as Waiting) : 'more';
    } catch (error) {
      this.#context.logger.warn({ err: error, queue: this.queue }, 'checking for waiting jobs failed');
      return 'more';
    }
  }

  /**
   * After a fetch failed: fails the jobs BullMQ moved to `active` under this consumer's lock but could
   * not read (unreadable-jobs.ts) with MESSAGE_UNDECODABLE (BullMQ's failed set keeps their hash), then
   * dead-letters each with the text of its `data` field. Failed first: the lock check is atomic, so a
   * job another owner took meanwhile is left to it and not dead-lettered twice. No reply: their headers
   * cannot be read. Returns how many there were.
   */
  async #rescueUnreadable(): Promise<number> {
    let rescued = 0;
    try {
      const found = await findUnreadable(this.#context.redis, this.queue, this.#token, (id) => this.#held.has(id));
      for (const { id, hash, reason } of found) {
        const error = new TurnqError('MESSAGE_UNDECODABLE', { message: `BullMQ cannot read job ${id}: ${reason}` });
        if (!(await failUnreadable(this.#context.redis, this.queue, this.#token, id, `${error.code}: ${error.message}`))) continue;
        rescued++;
        await this.#track(this.#context.deadLetter(this.queue, hash.data ?? null, error), 'dead-lettering an unreadable job');
        this.#spec.onDeadLetter?.(error.code, error.message);
      }
    } catch (error) {
      this.#context.logger.warn({ err: error, queue: this.queue }, 'looking for unreadable jobs failed');
    }
    return rescued;
  }

  /** A fetched job: delivered, or kept for close() to return (in fetch order) when closing. */
  #take(job: Job): void {
    if (this.#stopping) {
      this.#held.set(job.id as string, { job, seq: this.#seq++, parked: false });
      return;
    }
    this.#deliver(job);
  }

  /**
   * The queue is empty: block on BullMQ's marker (a ZSET every add touches) on a connection of our own
   * until a job is added, or MARKER_WAIT_S. One BZPOPMIN per idle period instead of BullMQ's blocking
   * fetch, which costs an extra BZPOPMIN and moveToActive per job.
   */
  async #waitForJobs(): Promise<void> {
    const blocking = this.#blocking;
    if (blocking === undefined || this.#stopping) return;
    try {
      await blocking.bzpopmin(this.#markerKey, MARKER_WAIT_S);
    } catch (error) {
      if (this.#stopping) return;
      this.#context.logger.warn({ err: error, queue: this.queue }, 'waiting for jobs failed; retrying');
      await sleep(200);
    }
  }

  /**
   * Resolves when #wakeLoop runs (a delivery left the window, a dead-letter or requeue freed its slot in
   * `active`, or close), or after `timeoutMs`. The loop waits so for room, and for a slot when the
   * queue's global concurrency is reached: an ack, left for the next round, frees its slot and fetches
   * in the same script; the timeout covers slots held by others, which free up without telling anyone.
   * Extra wake-ups only cost a round.
   */
  async #woken(timeoutMs?: number): Promise<void> {
    if (this.#stopping) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  #slotFreed(): void {
    this.#slotsFreed++;
    this.#wakeLoop();
  }

  #wakeLoop(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Runs a Redis operation the consumer must finish before closing; failures are logged. */
  #track<T>(operation: Promise<T>, what = 'returning jobs'): Promise<T | undefined> {
    const tracked = operation.catch((error: unknown) => {
      this.#context.logger.warn({ err: error, queue: this.queue }, `${what} failed`);
      return undefined;
    });
    this.#operations++;
    // Registered before the caller's own `then`: the count is down when that runs. Also when `tracked`
    // rejects (the logger threw), or close would wait for ever.
    const ended = (): void => {
      if (--this.#operations === 0) for (const wake of this.#whenIdle.splice(0)) wake();
    };
    void tracked.then(ended, ended);
    return tracked;
  }

  /** Resolves once no tracked operation is under way. */
  #settledAll(): Promise<void> {
    return this.#operations === 0 ? Promise.resolve() : new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  #deliver(job: Job): void {
    const id = job.id as string;
    const held: Held = { job, seq: this.#seq++, parked: false };
    this.#held.set(id, held);
    this.#runnable++;
    const release = (): boolean => {
      if (this.#held.get(id) !== held) return false;
      this.#held.delete(id);
      if (!held.parked) this.#runnable--;
      this.#wakeLoop();
      return true;
    };
    const complete = (): void => {
      if (!release()) return;
      // A loop that runs rounds, or waits for room (release() has just woken it), takes this ack with its
      // next round, or sends it when it pauses again.
      if (!this.#stopping && !this.#idle) this.#acks.push(job);
      else this.#ack(job);
    };
    const deadLetter = (error: TurnqError): void => {
      if (!release()) return;
      // When the dead-letter queue cannot take it, BullMQ's own failed set keeps it with the reason,
      // rather than leaving it in the active list with nobody holding it.
      const parked = this.#context.deadLetter(this.queue, job.data, error).then(
        () => job.moveToCompleted(null, this.#token, false),
        (addError: unknown) => {
          this.#context.logger.warn({ err: addError, queue: this.queue, code: error.code }, 'dead-letter queue refused a job; failing it');
          return job.moveToFailed(new Error(`${error.code}: ${error.message}`), this.#token, false);
        },
      );
      // The slot in `active` is free only now: a loop waiting for one (global concurrency) looks again.
      void this.#track(parked, 'dead-lettering a job').then(() => {
        this.#slotFreed();
      });
      this.#spec.onDeadLetter?.(error.code, error.message);
    };
    const decoded = decodeJob(job.data, this.#context.maxBytes);
    if (!decoded.ok) {
      const owed = decoded.reply;
      if (owed !== undefined) void this.#track(this.#context.sendReply(owed.address, owed.reply), 'replying to an invalid job');
      deadLetter(decoded.error);
      return;
    }
    const base = {
      invocation: decoded.invocation,
      lane: this.#lane,
      redeliveries: job.stalledCounter,
      ack: complete,
      requeue: () => {
        if (!release()) return;
        void this.#track(returnJobs(this.#context.redis, this.queue, this.#token, [id])).then(() => {
          this.#slotFreed();
        });
      },
      deadLetter,
      park: () => {
        if (held.parked || this.#held.get(id) !== held) return;
        held.parked = true;
        this.#runnable--;
        this.#wakeLoop();
      },
      unpark: () => {
        if (!held.parked || this.#held.get(id) !== held) return;
        held.parked = false;
        this.#runnable++;
      },
    };
    const delivery: Delivery = this.#fence === undefined ? base : { ...base, fence: this.#fence };
    this.#spec.onDelivery(delivery);
  }

  /** A job handed back by `moveToCompleted(…, fetchNext)`: delivered like one the loop fetched. */
  async #takeFetched(result: unknown): Promise<boolean> {
    if (!Array.isArray(result) || result[0] === undefined || result[0] === null || result[0] === 0) return false;
    const worker = this.#worker as unknown as WorkerInternals;
    const next = await worker.nextJobFromJobData(result[0], result[1] as string, this.#token);
    if (next?.id === undefined) return false;
    this.#take(next);
    return true;
  }

  #extendLocks(): void {
    const ids = this.#held.keys();
    if (ids.length === 0) return;
    void this.#track(
      this.#worker.extendJobLocks(
        ids,
        ids.map(() => this.#token),
        LOCK_MS,
      ),
      'extending job locks',
    );
  }

  /**
   * Stops fetching. `giveBack`: the jobs still held go back to the front of the queue, in order (a
   * clean close, or a lost lease: only jobs still locked by this consumer move). Waits for acks in flight.
   */
  async close(giveBack: boolean): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#lockTimer);
    this.#flushAcks();
    this.#wakeLoop();
    // Interrupts a blocking wait; a fetch already under way ends and lands in #held.
    this.#blocking?.disconnect();
    await this.#worker.close(true);
    await this.#loop;
    await this.#settledAll();
    const held = this.#held.values().sort((a, b) => b.seq - a.seq);
    this.#held.clear();
    if (giveBack) {
      const ids = held.map((h) => h.job.id as string);
      await this.#track(returnJobs(this.#context.redis, this.queue, this.#token, ids));
    }
    await this.#settledAll();
  }
}
