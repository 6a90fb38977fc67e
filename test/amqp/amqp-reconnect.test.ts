/**
 * Connection loss, for real but only for this test's own connections (closed broker side with
 * `rabbitmqctl close_connection`, found by their `connection_name`): calls in flight end with their
 * result or the retryable TRANSPORT_UNAVAILABLE (never their deadline), the transport reconnects,
 * declares its topology again and resumes consuming, and later calls succeed with the state intact.
 * Broker restarts and `close_all_connections` are in test/disruptive (they would disturb other tests).
 */
import { Actor } from '../../src/actor/actor.js';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { Client } from '../../src/client/client.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { ActorHost } from '../../src/runtime/actor-host.js';
import { amqpConnectionOf } from '../../src/transport/amqp/amqp-transport.js';
import { createAmqpFixture } from '../helpers/amqp-backend.js';
import { uniqueNamespace } from '../helpers/backends.js';
import { amqpTest, closeConnectionsNamed } from './amqp-helpers.js';

class Slow extends Actor<{ n: number }> {
  static readonly type = 'Slow';
  protected override initialState(): { n: number } {
    return { n: 0 };
  }
  async add(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.state.n++;
    return this.state.n;
  }
  get(): number {
    return this.state.n;
  }
}

type Outcome = { ok: unknown } | { code: string; retryable: boolean };

function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) =>
      error instanceof TurnqError ? { code: error.code, retryable: error.retryable } : { code: String(error), retryable: false },
  );
}

amqpTest('losing the connections: calls end with a result or TRANSPORT_UNAVAILABLE, then everything resumes', async (t) => {
  const namespace = uniqueNamespace('reconnect');
  const fixture = createAmqpFixture(namespace, 'reconnect');
  const config = resolveConfig([{ raw: { namespace, shards: 2, callTimeout: 20_000 }, where: '' }], process.cwd());
  const workerTransport = await fixture.transport();
  const host = new ActorHost({
    config,
    transport: workerTransport,
    registry: new ActorRegistry().register(Slow),
    store: await fixture.store(),
  });
  await host.start();
  const clientTransport = await fixture.transport();
  const client = new Client({ transport: clientTransport, shardsFor: () => 2, callTimeout: 20_000 });
  await client.start();
  t.teardown(async () => {
    await client.close();
    await host.stop();
    await fixture.cleanup();
  });
  t.is(await client.call('Slow', 'warm', 'add', [0], undefined), 1);

  for (const round of [1, 2]) {
    const ups = [workerTransport, clientTransport].map((tr) => amqpConnectionOf(tr)!.nextUp());
    const inFlight = Array.from({ length: 20 }, (_, i) => outcome(client.call('Slow', String(i), 'add', [200])));
    const closed = await closeConnectionsNamed(namespace);
    t.true(closed >= 2, `round ${round}: closed ${closed} connections`);
    const outcomes = await Promise.all(inFlight);
    for (const o of outcomes) {
      if ('ok' in o) t.is(typeof o.ok, 'number');
      else t.like(o, { code: 'TRANSPORT_UNAVAILABLE', retryable: true });
    }
    await Promise.all(ups);
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('Slow', `after-${round}-${i}`, 'add', [0])));
    t.deepEqual(
      after,
      Array.from({ length: 20 }, () => 1),
    );
  }
  t.is(await client.call('Slow', 'warm', 'add', [0]), 2);
});
