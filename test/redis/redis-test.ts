/**
 * `redisTest`: a test that needs Redis, with a unique namespace whose keys are deleted afterwards.
 * Skipped when Redis is unreachable locally; fails when `CI` is set (Redis is required there).
 */
import test, { type ExecutionContext } from 'ava';
import { randomId } from '../../src/protocol/ids.js';
import { deleteNamespace, redisUnavailable } from './redis-helpers.js';

export { REDIS_URL } from './redis-helpers.js';

export function testNamespace(label: string): string {
  return `tq-${label.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 24)}-${randomId().slice(0, 8)}`;
}

const unavailable = await redisUnavailable();

/** A test that needs Redis: gets a unique namespace whose keys are deleted afterwards. */
export function redisTest(title: string, body: (t: ExecutionContext, ns: string) => Promise<void>): void {
  if (unavailable === undefined) {
    test(title, async (t) => {
      const ns = testNamespace(title);
      t.teardown(() => deleteNamespace(ns));
      await body(t, ns);
    });
  } else if (process.env.CI !== undefined && process.env.CI !== '') {
    test(title, (t) => {
      t.fail(`Redis is required in CI but unreachable: ${unavailable}`);
    });
  } else {
    test.skip(`${title} (unreachable: ${unavailable})`, () => undefined);
  }
}
