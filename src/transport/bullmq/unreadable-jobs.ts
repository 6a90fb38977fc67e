/**
 * Jobs that BullMQ moved to `active` under a consumer's lock but could not read. BullMQ's fetch runs its
 * script first, then reads the job's hash in JavaScript (`data`, `opts`, `progress` and `parent` are JSON
 * text); when one of them does not read (a hash written by hand: no BullMQ client writes such a thing)
 * the fetch throws, after the job has moved. Nobody holds it then: without this, it would stay in
 * `active`.
 *
 * Found after a fetch failed: every job of `bull:<queue>:active` that the consumer does not hold, whose
 * `bull:<queue>:<id>:lock` is its token and whose hash does not read as BullMQ reads it (a job being
 * acked is still locked, but it reads, so it is left alone). Failed by `turnq-fail-unreadable` rather
 * than by BullMQ's own scripts, which read some of those fields themselves (BullMQ's `moveToFinished`
 * decodes `parent` after it has removed the lock, and stops there).
 */
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { luaScript, runScript } from '../../state/redis-connection.js';
import { bullKeys } from './bull-keys.js';

/**
 * KEYS[1] active, KEYS[2] stalled, KEYS[3] failed, KEYS[4] events
 * ARGV[1] job key prefix `bull:<queue>:`, ARGV[2] lock token, ARGV[3] job id, ARGV[4] failed reason,
 * ARGV[5] time (ms)
 * Returns 1 when the job was failed: taken out of `active` (and `stalled`), its lock deleted, added to
 * `failed` with `failedReason` and `finishedOn` on its hash, and BullMQ's `failed` event added to the
 * queue's events stream; 0 when the lock is not (or no longer) the token's, and nothing changed.
 */
export const FAIL_UNREADABLE_SCRIPT = luaScript(
  'turnq-fail-unreadable',
  `local lockKey = ARGV[1] .. ARGV[3] .. ':lock'
if redis.call('GET', lockKey) ~= ARGV[2] then return 0 end
redis.call('DEL', lockKey)
redis.call('LREM', KEYS[1], -1, ARGV[3])
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('HSET', ARGV[1] .. ARGV[3], 'failedReason', ARGV[4], 'finishedOn', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000, '*', 'event', 'failed', 'jobId', ARGV[3], 'failedReason', ARGV[4], 'prev', 'active')
return 1`,
);

export interface UnreadableJob {
  readonly id: string;
  /** The job's hash as stored. */
  readonly hash: Record<string, string>;
  /** Why BullMQ could not read it: the field and the error. */
  readonly reason: string;
}

/** Why BullMQ would fail to read `hash` (the field and the error), or undefined when it reads. */
export function unreadableField(hash: Record<string, string>): string | undefined {
  // As BullMQ reads them when it hands out a job (absent or empty fields get its defaults).
  const reads: [string, () => unknown][] = [
    ['data', () => JSON.parse(hash.data || '{}') as unknown],
    ['opts', () => Job.optsFromJSON(hash.opts)],
    ['progress', () => JSON.parse(hash.progress || '0') as unknown],
    ['parent', () => (hash.parent ? (JSON.parse(hash.parent) as unknown) : undefined)],
  ];
  for (const [field, read] of reads) {
    try {
      read();
    } catch (error) {
      return `field ${field} does not read (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return undefined;
}

/** The jobs of `queue` locked with `token`, not `held`, that BullMQ cannot read. */
export async function findUnreadable(redis: Redis, queue: string, token: string, held: (id: string) => boolean): Promise<UnreadableJob[]> {
  const keys = bullKeys(queue);
  const candidates = (await redis.lrange(keys.active, 0, -1)).filter((id) => !held(id));
  if (candidates.length === 0) return [];
  const locks = await redis.mget(...candidates.map((id) => `${keys.jobPrefix}${id}:lock`));
  const found: UnreadableJob[] = [];
  for (const [i, id] of candidates.entries()) {
    if (locks[i] !== token) continue;
    const hash = await redis.hgetall(`${keys.jobPrefix}${id}`);
    const reason = unreadableField(hash);
    if (reason !== undefined) found.push({ id, hash, reason });
  }
  return found;
}

/** Fails job `id` of `queue` with `reason` if `token` still holds its lock (FAIL_UNREADABLE_SCRIPT). */
export async function failUnreadable(redis: Redis, queue: string, token: string, id: string, reason: string): Promise<boolean> {
  const keys = bullKeys(queue);
  const failed = await runScript(
    redis,
    FAIL_UNREADABLE_SCRIPT,
    [keys.active, keys.stalled, keys.failed, keys.events],
    [keys.jobPrefix, token, id, reason, Date.now()],
  );
  return failed === 1;
}
