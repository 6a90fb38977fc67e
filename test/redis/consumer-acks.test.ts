/**
 * The shard consumer's acks when its window is full: an ack that makes no room (the window refilled at
 * once by an unparked delivery, or the ack of a parked delivery) still goes out at once, not when some
 * other delivery of the window ends. Driven at the consumer itself, with a window of two.
 */
import { startConsumer } from './consumer-harness.js';
import { redisTest } from './redis-test.js';

/**
 * Five jobs (actors a1 to a5) in a fresh queue, consumed with a window of two: with jobs still waiting,
 * a full window makes the consumer wait for room.
 */
const FIVE_IN_A_WINDOW_OF_TWO = { jobs: 5, prefetch: 2 };

redisTest('an ack that leaves the window full (the next delivery unparked) goes out at once', async (t, ns) => {
  const h = await startConsumer(t, ns, FIVE_IN_A_WINDOW_OF_TWO);
  const first = await h.delivered(1);
  const second = await h.delivered(2);
  // a2 waits for a locked actor: it stops counting, so the consumer fetches a3 and the window is full.
  second.park();
  await h.delivered(3);
  // a1's turn ends and the next delivery is let in at once, as an activation does (ack, then unpark).
  const completed = h.completed(1);
  first.ack();
  second.unpark();
  await completed;
  t.pass('a1 completed while a2 and a3 still hold the window');
});

redisTest('the ack of a parked delivery goes out at once while the window is full', async (t, ns) => {
  const h = await startConsumer(t, ns, FIVE_IN_A_WINDOW_OF_TWO);
  await h.delivered(1);
  const second = await h.delivered(2);
  second.park();
  await h.delivered(3);
  // A cancelled call that waited for its actor is acked without running: it frees no room.
  const completed = h.completed(2);
  second.ack();
  await completed;
  t.pass('a2 completed while a1 and a3 still hold the window');
});
