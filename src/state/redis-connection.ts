/**
 * Redis connections and Lua script calls shared by the Redis state store and the BullMQ transport.
 *
 * - `openRedis(url, role)` opens an ioredis connection (RESP3 is ioredis 6's default), batches its
 *   socket writes per turn of the event loop (src/net/coalesce-writes.ts) and waits for
 *   `ready`. Roles: `command` (ordinary commands, retried a few times across reconnects, then failing
 *   with an error the callers map to a retryable code), `blocking` (BRPOP loops and BullMQ workers:
 *   `maxRetriesPerRequest: null`, as BullMQ requires), `subscriber` (pub/sub).
 * - `runScript(redis, script, keys, args)` runs a Lua script by EVALSHA and falls back to EVAL on
 *   NOSCRIPT (after a Redis restart the script cache is empty).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { coalesceRedisWrites } from '../net/coalesce-writes.js';

export type RedisRole = 'command' | 'blocking' | 'subscriber';

export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** ioredis options for a role. */
function redisOptions(role: RedisRole) {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'command' ? 3 : null,
    enableAutoPipelining: false,
    connectionName: `turnq-${role}`,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
  } as const;
}

/** Opens a connection and resolves once it is ready; rejects if Redis cannot be reached. */
export async function openRedis(url: string, role: RedisRole, logger?: Logger): Promise<Redis> {
  const redis = new Redis(url, redisOptions(role));
  // A command connection's errors surface through its commands. A connection that only listens (the
  // subscriber) runs no command, so its losses go to `logger`. Without a listener ioredis would print
  // every reconnect attempt.
  redis.on('error', (error: unknown) => {
    logger?.warn({ err: error, role }, 'Redis connection error');
  });
  if (role !== 'subscriber') coalesceRedisWrites(redis);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}

export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return redis.eval(script.source, keys.length, ...keys, ...args);
    throw error;
  }
}

/** Closes a connection politely, or drops it if Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  } catch {
    // quit fails when the connection is already broken: disconnect below ends it either way.
  }
  redis.disconnect();
}

/** Deletes every key matching each pattern (SCAN + UNLINK, so Redis never blocks on a large KEYS). */
export async function unlinkMatching(redis: Redis, patterns: readonly string[]): Promise<void> {
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}
