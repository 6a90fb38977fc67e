/**
 * Exclusive ownership of a shard queue: a lease in Redis with renewal and a fencing epoch.
 *
 * - `<ns>:lease:<queue>` holds `<workerId>:<epoch>` with a TTL of LEASE_TTL_MS; the owner renews it
 *   every LEASE_RENEW_MS. Acquiring INCRs `<ns>:fence:<queue>` (the same key the Redis state store
 *   checks), so every write of an older owner is refused with STATE_FENCED from that moment on.
 * - Acquiring also takes back every job left in the queue's active list by the previous owner (dead,
 *   or stale and already fenced) and puts them at the front of the wait list in the order they were
 *   fetched: per-actor order survives a crash, and no job waits for BullMQ's stalled check or counts
 *   against its stalled limit (a crash loop never fails an innocent job).
 */
import type { Redis } from 'ioredis';
import { luaScript, runScript } from '../../state/redis-connection.js';
import { redisKeys } from '../../state/redis-keys.js';
import { bullKeys } from './bull-keys.js';

export const LEASE_TTL_MS = 3000;
export const LEASE_RENEW_MS = 1000;
/** How often a worker that does not own a shard tries to take it. */
export const LEASE_RETRY_MS = 250;

/**
 * KEYS[1] lease key, KEYS[2] fence key, KEYS[3] active, KEYS[4] wait, KEYS[5] stalled, KEYS[6] marker
 * ARGV[1] worker id, ARGV[2] lease TTL (ms), ARGV[3] job key prefix (`bull:<queue>:`)
 * Returns {epoch, reclaimed jobs} when acquired, {0, 0} when another worker holds the lease.
 */
export const ACQUIRE_SCRIPT = luaScript(
  'turnq-lease-acquire',
  `if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
local ids = redis.call('LRANGE', KEYS[3], 0, -1)
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[3] .. id .. ':lock')
  redis.call('SREM', KEYS[5], id)
  if redis.call('EXISTS', ARGV[3] .. id) == 1 then
    redis.call('HINCRBY', ARGV[3] .. id, 'stc', 1)
    redis.call('RPUSH', KEYS[4], id)
  end
end
redis.call('DEL', KEYS[3])
if #ids > 0 then redis.call('ZADD', KEYS[6], 0, '0') end
return {epoch, #ids}`,
);

/**
 * KEYS[1] lease key
 * ARGV[1] expected value `<workerId>:<epoch>`, ARGV[2] TTL (ms)
 * Returns 1 when renewed, 0 when the lease is no longer this owner's.
 */
export const RENEW_SCRIPT = luaScript(
  'turnq-lease-renew',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`,
);

/**
 * KEYS[1] lease key
 * ARGV[1] expected value `<workerId>:<epoch>`
 * Returns 1 when released, 0 when it was not this owner's any more.
 */
export const RELEASE_SCRIPT = luaScript(
  'turnq-lease-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`,
);

/**
 * KEYS[1] active, KEYS[2] wait, KEYS[3] stalled, KEYS[4] marker
 * ARGV[1] job key prefix, ARGV[2] lock token of the holder, ARGV[3..] job ids, newest fetched first
 * Puts the jobs this holder still locks back at the front of the wait list (the oldest one is consumed
 * first), counting a redelivery on each. Returns how many were returned.
 */
export const RETURN_SCRIPT = luaScript(
  'turnq-return-jobs',
  `local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local lockKey = ARGV[1] .. id .. ':lock'
  if redis.call('GET', lockKey) == ARGV[2] then
    redis.call('DEL', lockKey)
    redis.call('SREM', KEYS[3], id)
    if redis.call('LREM', KEYS[1], 1, id) > 0 then
      redis.call('HINCRBY', ARGV[1] .. id, 'stc', 1)
      redis.call('RPUSH', KEYS[2], id)
      n = n + 1
    end
  end
end
if n > 0 then redis.call('ZADD', KEYS[4], 0, '0') end
return n`,
);

export interface AcquiredLease {
  readonly epoch: number;
  readonly value: string;
  readonly reclaimed: number;
}

export async function tryAcquire(redis: Redis, ns: string, queue: string, workerId: string): Promise<AcquiredLease | undefined> {
  const keys = bullKeys(queue);
  const [epoch, reclaimed] = (await runScript(
    redis,
    ACQUIRE_SCRIPT,
    [redisKeys.lease(ns, queue), redisKeys.fence(ns, queue), keys.active, keys.wait, keys.stalled, keys.marker],
    [workerId, LEASE_TTL_MS, keys.jobPrefix],
  )) as [number, number];
  return epoch === 0 ? undefined : { epoch, value: `${workerId}:${epoch}`, reclaimed };
}

export async function renewLease(redis: Redis, ns: string, queue: string, value: string): Promise<boolean> {
  return (await runScript(redis, RENEW_SCRIPT, [redisKeys.lease(ns, queue)], [value, LEASE_TTL_MS])) === 1;
}

export async function releaseLease(redis: Redis, ns: string, queue: string, value: string): Promise<boolean> {
  return (await runScript(redis, RELEASE_SCRIPT, [redisKeys.lease(ns, queue)], [value])) === 1;
}

/** Returns jobs still locked by `token` to the front of their queue; `jobIds` newest fetched first. */
export async function returnJobs(redis: Redis, queue: string, token: string, jobIds: readonly string[]): Promise<number> {
  if (jobIds.length === 0) return 0;
  const keys = bullKeys(queue);
  return (await runScript(
    redis,
    RETURN_SCRIPT,
    [keys.active, keys.wait, keys.stalled, keys.marker],
    [keys.jobPrefix, token, ...jobIds],
  )) as number;
}
