/** Actors and a one-worker setup shared by the RabbitMQ transport tests (regular and disruptive). */
import type { ExecutionContext } from 'ava';
import { Actor } from '../../src/actor/actor.js';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { Client } from '../../src/client/client.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { ActorHost } from '../../src/runtime/actor-host.js';
import type { Transport } from '../../src/transport/transport.js';
import { createAmqpFixture } from '../helpers/amqp-backend.js';
import { uniqueNamespace, type BackendFixture } from '../helpers/backends.js';

/** Returns what it is given and counts the calls. */
export class Echo extends Actor<{ calls: number }> {
  static readonly type = 'Echo';
  protected override initialState(): { calls: number } {
    return { calls: 0 };
  }
  echo(value: unknown): unknown {
    this.state.calls++;
    return value;
  }
  calls(): number {
    return this.state.calls;
  }
}

/** Counts calls that each take `ms`, so that some are in flight when a connection drops. */
export class Slow extends Actor<{ n: number }> {
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

export type Outcome = { ok: unknown } | { code: string; retryable: boolean };

/** A call's result or its error code, never a rejection. */
export function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) =>
      error instanceof TurnqError ? { code: error.code, retryable: error.retryable } : { code: String(error), retryable: false },
  );
}

/** One worker hosting Slow and a client, each with its own connection, torn down after the test. */
export async function startSlowWorker(
  t: ExecutionContext,
  label: string,
  callTimeout: number,
): Promise<{ client: Client; host: ActorHost; transports: Transport[]; namespace: string }> {
  const namespace = uniqueNamespace(label);
  const fixture = createAmqpFixture(namespace, label);
  const config = resolveConfig([{ raw: { namespace, shards: 2, callTimeout }, where: '' }], process.cwd());
  const workerTransport = await fixture.transport();
  const host = new ActorHost({
    config,
    transport: workerTransport,
    registry: new ActorRegistry().register(Slow),
    store: await fixture.store(),
  });
  await host.start();
  const clientTransport = await fixture.transport();
  const client = new Client({ transport: clientTransport, shardsFor: () => 2, callTimeout });
  await client.start();
  t.teardown(async () => {
    await client.close();
    await host.stop();
    await fixture.cleanup();
  });
  return { client, host, transports: [workerTransport, clientTransport], namespace };
}

/** A worker hosting Echo on one shard of `namespace` (not started: the test starts it). */
export async function echoHost(fixture: BackendFixture, namespace: string): Promise<ActorHost> {
  const config = resolveConfig([{ raw: { namespace, shards: 1 }, where: '' }], process.cwd());
  return new ActorHost({
    config,
    transport: await fixture.transport(),
    registry: new ActorRegistry().register(Echo),
    store: await fixture.store(),
  });
}
