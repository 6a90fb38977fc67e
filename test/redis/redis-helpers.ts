/**
 * Shared by the Redis tests and the `bullmq` / `amqp+redis` conformance backends: the Redis URL
 * (`TURNQ_TEST_REDIS`, default redis://127.0.0.1:6379), a reachability probe and the cleanup of one
 * namespace's keys.
 */
import { Redis } from 'ioredis';
import { BULL_PREFIX } from '../../src/state/redis-keys.js';

export const REDIS_URL = process.env.TURNQ_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** Resolves to a reason when Redis cannot be reached. */
export async function redisUnavailable(url = REDIS_URL): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key of a namespace: turnq's `<ns>:…` and `<ns>.…` keys and BullMQ's `bull:<ns>.…`. */
export async function deleteNamespace(ns: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    for (const pattern of [`${ns}:*`, `${ns}.*`, `${BULL_PREFIX}:${ns}.*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
