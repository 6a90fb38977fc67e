/**
 * Connection loss, for real but only for this test's own connections (closed broker side with
 * `rabbitmqctl close_connection`, found by their `connection_name`): calls in flight end with their
 * result or the retryable TRANSPORT_UNAVAILABLE (never their deadline), the transport reconnects,
 * declares its topology again and resumes consuming, and later calls succeed with the state intact:
 * no message applied twice, no call that ended with a result lost.
 * Broker restarts and `close_all_connections` are in test/disruptive (they would disturb other tests).
 */
import { amqpConnectionOf } from '../../src/transport/amqp/amqp-transport.js';
import { amqpTest, closeConnectionsNamed } from './amqp-helpers.js';
import { outcome, startSlowWorker } from './amqp-actors.js';

amqpTest('losing the connections: calls end with a result or TRANSPORT_UNAVAILABLE, then everything resumes', async (t) => {
  const { client, transports, namespace } = await startSlowWorker(t, 'reconnect', 20_000);
  t.is(await client.call('Slow', 'warm', 'add', [0], undefined), 1);

  // Calls that ended with a result, per actor Slow/<i>: each such call was applied once.
  const oks = Array.from({ length: 20 }, () => 0);
  for (const round of [1, 2]) {
    const ups = transports.map((tr) => amqpConnectionOf(tr)!.nextUp());
    const inFlight = Array.from({ length: 20 }, (_, i) => outcome(client.call('Slow', String(i), 'add', [200])));
    const closed = await closeConnectionsNamed(namespace);
    t.true(closed >= 2, `round ${round}: closed ${closed} connections`);
    const outcomes = await Promise.all(inFlight);
    outcomes.forEach((o, i) => {
      const before = oks[i] ?? 0;
      if ('ok' in o) {
        // The count once this call was applied: past every call that ended well before it, and at most
        // one per call made so far (a call that failed with TRANSPORT_UNAVAILABLE may have been applied).
        t.true(typeof o.ok === 'number' && o.ok > before && o.ok <= round, `round ${round}: Slow/${i} answered ${String(o.ok)}`);
        oks[i] = before + 1;
      } else t.like(o, { code: 'TRANSPORT_UNAVAILABLE', retryable: true });
    });
    await Promise.all(ups);
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('Slow', `after-${round}-${i}`, 'add', [0])));
    t.deepEqual(
      after,
      Array.from({ length: 20 }, () => 1),
    );
  }
  t.is(await client.call('Slow', 'warm', 'add', [0]), 2);
  // Redelivered messages were not applied twice (their recorded result was sent again), and no call
  // that ended with a result was lost.
  const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('Slow', String(i), 'get', [])));
  counts.forEach((n, i) => {
    t.true(typeof n === 'number' && n >= (oks[i] ?? 0) && n <= 2, `Slow/${i}: count ${String(n)} after ${oks[i] ?? 0} results of 2 calls`);
  });
});
