/**
 * The RabbitMQ transport against the real broker: call and reply, one-way sends, unknown actor types
 * and gone lanes as publish errors, and the window problem (a prefetch window full of messages waiting
 * for a locked actor does not block the chain that holds the lock, nor its calls to other actors of the
 * same shard); a shard queue that exists with other arguments is a configuration error.
 */
import * as amqp from 'amqplib';
import { Actor } from '../../src/actor/actor.js';
import { names } from '../../src/protocol/sharding.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { startCluster } from '../helpers/cluster.js';
import { AMQP_URL, amqpBackends, createAmqpFixture } from '../helpers/amqp-backend.js';
import { uniqueNamespace } from '../helpers/backends.js';
import { amqpTest } from './amqp-helpers.js';
import { Echo, echoHost } from './amqp-actors.js';

const backend = amqpBackends[0]!;

/** `Chain/a.run` calls `Chain/b.ping` (same shard: one shard) then back into itself (priority lane). */
class Chain extends Actor<{ runs: number }> {
  static readonly type = 'Chain';
  protected override initialState(): { runs: number } {
    return { runs: 0 };
  }
  async run(other: string, gate: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, gate));
    await this.actor<Chain>('Chain', other).ping();
    await this.actor<Chain>('Chain', this.id).bump();
    this.state.runs++;
    return this.state.runs;
  }
  ping(): string {
    return 'pong';
  }
  bump(): void {
    this.state.runs += 0;
  }
  runs(): number {
    return this.state.runs;
  }
}

function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof TurnqError ? error.code : String(error)),
  );
}

amqpTest('call, reply and one-way send over RabbitMQ', async (t) => {
  const cluster = await startCluster(t, backend, { actors: [Echo] });
  t.deepEqual(await cluster.client.actor<Echo>('Echo', 'a').echo({ x: [1, 'two'] }), { x: [1, 'two'] });
  await cluster.client.send<Echo>('Echo', 'a').echo(1);
  t.is(await cluster.client.actor<Echo>('Echo', 'a').calls(), 2);
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => cluster.client.actor<Echo>('Echo', String(i % 20)).echo(i)));
  t.deepEqual(
    many,
    Array.from({ length: 200 }, (_, i) => i),
  );
});

amqpTest('an actor type no worker hosts is ACTOR_TYPE_UNKNOWN; a gone lane is PUBLISH_UNROUTABLE', async (t) => {
  const cluster = await startCluster(t, backend, { actors: [Echo] });
  await t.throwsAsync(cluster.client.actor<Echo>('Nobody', 'a').echo(1), { instanceOf: TurnqError, message: /Nobody/ });
  t.is(await codeOf(cluster.client.actor<Echo>('Nobody', 'a').echo(1)), 'ACTOR_TYPE_UNKNOWN');
  const lane = await codeOf(
    cluster.client.invoke(
      {
        messageId: randomId(),
        actorType: 'Echo',
        actorId: 'a',
        method: 'echo',
        args: [1],
        reentrancyId: randomId(),
        stack: [],
        depth: 1,
        deadline: Date.now() + 5000,
      },
      { lane: 'priority', worker: 'gone-worker' },
    ),
  );
  t.is(lane, 'PUBLISH_UNROUTABLE');
});

amqpTest('a window full of parked messages still lets the lock holder and its calls through', async (t) => {
  const cluster = await startCluster(t, backend, { actors: [Chain], config: { prefetch: 2, shards: 1, reentrancy: { enabled: true } } });
  const client = cluster.client;
  // a.run holds Chain/a; 6 more calls to Chain/a fill the window (prefetch 2) and park; then a.run
  // calls Chain/b (same shard, behind them) and back into Chain/a (priority lane).
  const first = client.actor<Chain>('Chain', 'a').run('b', 300);
  const waiting = Array.from({ length: 6 }, () => client.actor<Chain>('Chain', 'a').runs());
  t.is(await first, 1);
  const counts = await Promise.all(waiting);
  t.true(counts.every((c) => c >= 1));
});

amqpTest('a shard queue declared with other arguments fails the worker start with CONFIG_INVALID', async (t) => {
  const namespace = uniqueNamespace('precondition');
  const fixture = createAmqpFixture(namespace);
  const queue = names.shard(namespace, 'Echo', 0);
  fixture.queues.add(queue);
  t.teardown(() => fixture.cleanup());
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true }); // no single active consumer
  await connection.close();
  const host = await echoHost(fixture, namespace);
  t.is(await codeOf(host.start()), 'CONFIG_INVALID');
});
