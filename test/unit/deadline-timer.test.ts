import test from 'ava';
import { DeadlineTimer } from '../../src/client/deadline-timer.js';

interface Entry {
  readonly n: number;
  live: boolean;
}

/** A timer over `count` entries with deadlines `deadlineOf(n)`; resolves with the expired entries once `expected` have. */
function run(
  count: number,
  deadlineOf: (n: number) => number,
  settle: (n: number) => boolean,
  expected: number,
  onExpire: (n: number) => void = () => undefined,
): Promise<number[]> {
  return new Promise((resolve) => {
    // The timer does not hold the event loop open (the client does, while calls wait): this test does.
    const hold = setInterval(() => undefined, 1000);
    const expired: number[] = [];
    const timer = new DeadlineTimer<Entry>(
      (entry) => {
        entry.live = false;
        onExpire(entry.n);
        expired.push(entry.n);
        if (expired.length === expected) {
          clearInterval(hold);
          resolve(expired);
        }
      },
      (entry, bucket) => entry.live && buckets[entry.n] === bucket,
    );
    const entries = Array.from({ length: count }, (_, n) => ({ n, live: true }));
    const buckets: number[] = [];
    for (const entry of entries) buckets.push(timer.add(entry, deadlineOf(entry.n)));
    for (const entry of entries) {
      if (settle(entry.n)) {
        entry.live = false;
        timer.settled(buckets[entry.n] ?? 0);
      }
    }
  });
}

test('only the entries that did not end expire, each once, also after a bucket was compacted', async (t) => {
  const at = Date.now() + 30;
  // 900 of 1,000 entries of one bucket end first: the bucket compacts, the 100 others still expire.
  const expired = await run(
    1000,
    () => at,
    (n) => n % 10 !== 0,
    100,
  );
  t.deepEqual(
    expired.sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i * 10),
  );
});

test('no entry expires before its deadline', async (t) => {
  const now = Date.now();
  const deadlineOf = (n: number): number => now + 5 + n * 7;
  const at = new Map<number, number>();
  const expired = await run(
    12,
    deadlineOf,
    () => false,
    12,
    (n) => at.set(n, Date.now()),
  );
  t.is(expired.length, 12);
  for (const [n, when] of at) t.true(when >= deadlineOf(n), `entry ${n} expired ${deadlineOf(n) - when} ms early`);
});
