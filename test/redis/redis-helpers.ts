/**
 * Shared by the Redis tests and the `bullmq` / `amqp+redis` conformance backends: the Redis URL
 * (`TURNQ_TEST_REDIS`, default redis://127.0.0.1:6379), a reachability probe and the cleanup of one
 * namespace's keys.
 */
import { Redis } from 'ioredis';
import { BULL_PREFIX } from '../../src/state/redis-keys.js';
import { unlinkMatching } from '../../src/state/redis-connection.js';
import type { Client } from '../../src/client/client.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { probeBroker } from '../helpers/broker-test.js';

export const REDIS_URL = process.env.TURNQ_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** Resolves to a reason when Redis cannot be reached. */
export function redisUnavailable(url = REDIS_URL): Promise<string | undefined> {
  return probeBroker(async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
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
  });
}

/** Deletes every key of a namespace: turnq's `<ns>:…` and `<ns>.…` keys and BullMQ's `bull:<ns>.…`. */
export async function deleteNamespace(ns: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    await unlinkMatching(redis, [`${ns}:*`, `${ns}.*`, `${BULL_PREFIX}:${ns}.*`]);
  } finally {
    redis.disconnect();
  }
}

/**
 * Calls `Counter.add(1)` on `actor` until it succeeds, retrying every retryable coded error with the same
 * message id (so a call that did complete is not applied twice); anything else fails the caller.
 */
export async function incrementWithRetries(client: Client, actor: string, onRetry: (code: string) => void): Promise<void> {
  const messageId = randomId();
  for (;;) {
    try {
      await client.call('Counter', actor, 'add', [1], { messageId });
      return;
    } catch (error) {
      if (!(error instanceof TurnqError) || !error.retryable) throw error;
      onRetry(error.code);
    }
  }
}

/**
 * The fields of a BullMQ job hash written by hand, as BullMQ lays one out, with `fields` (e.g. a `data`
 * or `parent` that no BullMQ client would write) over the defaults.
 */
export function rawJobHash(fields: Readonly<Record<string, string>>): Record<string, string | number> {
  return { name: 'raw', ...fields, timestamp: Date.now(), delay: 0, priority: 0 };
}
