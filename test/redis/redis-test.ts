/**
 * `redisTest`: a test that needs Redis, with a unique namespace whose keys are deleted afterwards.
 * Skipped when Redis is unreachable locally; fails when `CI` is set (Redis is required there).
 */
import type { ExecutionContext } from 'ava';
import { brokerTest } from '../helpers/broker-test.js';
import { uniqueNamespace } from '../helpers/backends.js';
import { deleteNamespace, redisUnavailable } from './redis-helpers.js';

export { REDIS_URL } from './redis-helpers.js';

const unavailable = await redisUnavailable();

/** A test that needs Redis: gets a unique namespace whose keys are deleted afterwards. */
export function redisTest(title: string, body: (t: ExecutionContext, ns: string) => Promise<void>): void {
  brokerTest(title, unavailable, async (t) => {
    const ns = uniqueNamespace(title);
    t.teardown(() => deleteNamespace(ns));
    await body(t, ns);
  });
}
