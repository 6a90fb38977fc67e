/**
 * Invalid and poison messages on RabbitMQ, published with plain amqplib as a foreign publisher would:
 * undecodable, oversized and incomplete messages (missing actor type or id, bad depth, unknown method) land
 * in `<ns>.dead-letter` with `turnq-error-code` and `turnq-error-reason`, each caller with a reply
 * address gets an error reply, and the worker serves the next message. Counted redelivery: a message
 * redelivered past the limit is dead-lettered with MESSAGE_DELIVERY_LIMIT; one below it is served.
 */
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import type { ExecutionContext } from 'ava';
import { HEADER } from '../../src/protocol/headers.js';
import { names } from '../../src/protocol/sharding.js';
import { shardQueueArguments } from '../../src/transport/amqp/amqp-topology.js';
import { AMQP_URL, amqpBackends, createAmqpFixture } from '../helpers/amqp-backend.js';
import { startCluster } from '../helpers/cluster.js';
import { amqpTest, rootCallHeaders } from './amqp-helpers.js';
import { Echo, echoHost } from './amqp-actors.js';

const hex = (): string => randomBytes(16).toString('hex');

function headersFor(id: string, method: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return rootCallHeaders({
    [HEADER.messageId]: id,
    [HEADER.actorType]: 'Echo',
    [HEADER.actorId]: 'a',
    [HEADER.method]: method,
    ...extra,
  });
}

/** A plain amqplib caller with direct reply-to; resolves replies by correlation id. */
async function plainCaller(t: ExecutionContext): Promise<{
  channel: amqp.ConfirmChannel;
  /** `lean`: the message id and the method in the AMQP `message_id` and `type` properties instead of headers. */
  call(
    queue: string,
    headers: Record<string, string>,
    body: Buffer,
    lean?: { messageId: string; type: string },
  ): Promise<Record<string, unknown>>;
}> {
  const connection = await amqp.connect(AMQP_URL);
  t.teardown(() => connection.close());
  const channel = await connection.createConfirmChannel();
  const waiting = new Map<string, (body: Record<string, unknown>) => void>();
  await channel.consume(
    'amq.rabbitmq.reply-to',
    (msg) => {
      const id: unknown = msg?.properties.correlationId;
      if (msg !== null && typeof id === 'string') waiting.get(id)?.(JSON.parse(msg.content.toString('utf8')) as Record<string, unknown>);
    },
    { noAck: true },
  );
  return {
    channel,
    call: async (queue, headers, body, lean) => {
      const id = lean?.messageId ?? headers[HEADER.messageId] ?? '';
      const reply = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
      const properties = { headers, messageId: id, replyTo: 'amq.rabbitmq.reply-to', persistent: true, mandatory: true };
      channel.publish('', queue, body, lean === undefined ? properties : { ...properties, type: lean.type });
      await channel.waitForConfirms();
      return reply;
    },
  };
}

/** Resolves with the first `count` messages of the dead-letter queue (consumed, acked). */
async function deadLetters(t: ExecutionContext, namespace: string, count: number): Promise<amqp.ConsumeMessage[]> {
  const connection = await amqp.connect(AMQP_URL);
  t.teardown(() => connection.close());
  const channel = await connection.createChannel();
  const got: amqp.ConsumeMessage[] = [];
  return new Promise((resolve, reject) => {
    channel
      .consume(names.deadLetter(namespace), (msg) => {
        if (msg === null) return;
        channel.ack(msg);
        got.push(msg);
        if (got.length === count) resolve(got);
      })
      .catch(reject);
  });
}

const headerOf = (msg: amqp.ConsumeMessage, name: string): unknown =>
  (msg.properties.headers as Record<string, unknown> | undefined)?.[name];

amqpTest('undecodable, oversized and incomplete messages are dead-lettered with their reason and answered', async (t) => {
  const cluster = await startCluster(t, amqpBackends[0]!, { actors: [Echo], config: { shards: 1 } });
  const ns = cluster.fixture.namespace;
  const queue = names.shard(ns, 'Echo', 0);
  // A shard queue names its actor type (docs/protocol.md, "RabbitMQ"); a worker's lane does not, so a
  // message there must say it.
  const lane = names.lane(ns, cluster.hosts[0]?.workerId ?? '');
  const caller = await plainCaller(t);
  const args = Buffer.from(JSON.stringify({ args: [1] }));
  const cases: [string, string, Record<string, string>, Buffer, string][] = [
    ['not JSON', queue, headersFor(hex(), 'echo'), Buffer.from('{not json'), 'MESSAGE_UNDECODABLE'],
    [
      'oversized',
      queue,
      headersFor(hex(), 'echo'),
      Buffer.from(JSON.stringify({ args: ['x'.repeat(1024 * 1024 + 10)] })),
      'MESSAGE_TOO_LARGE',
    ],
    ['missing actor type', lane, headersFor(hex(), 'echo', { [HEADER.actorType]: undefined }), args, 'MESSAGE_INVALID'],
    ['missing actor id', queue, headersFor(hex(), 'echo', { [HEADER.actorId]: undefined }), args, 'MESSAGE_INVALID'],
    ['bad depth', queue, headersFor(hex(), 'echo', { [HEADER.depth]: '3' }), args, 'MESSAGE_INVALID'],
    ['unknown method', queue, headersFor(hex(), 'nope'), args, 'ACTOR_METHOD_UNKNOWN'],
  ];
  const dead = deadLetters(t, ns, cases.length);
  for (const [what, target, headers, body, code] of cases) {
    const reply = await caller.call(target, headers, body);
    t.is(reply.status, 'error', what);
    t.is((reply.error as { code?: unknown } | undefined)?.code, code, what);
    // The worker serves the next message.
    const ok = await caller.call(queue, headersFor(hex(), 'echo'), args);
    t.deepEqual(ok, { status: 'ok', result: 1 }, `after ${what}`);
  }
  const messages = await dead;
  t.deepEqual(
    messages.map((m) => headerOf(m, HEADER.errorCode)?.toString()),
    cases.map((c) => c[4]),
  );
  messages.forEach((m, i) => {
    t.true(String(headerOf(m, HEADER.errorReason)).length > 0);
    t.is(String(headerOf(m, 'turnq-dead-letter-queue')), String(cases[i]?.[1]));
  });
  t.is(messages[0]?.content.toString('utf8'), '{not json');
});

amqpTest('counted redelivery: past the limit a message is dead-lettered with MESSAGE_DELIVERY_LIMIT, below it is served', async (t) => {
  const namespace = `tq-redeliver-${randomBytes(4).toString('hex')}`;
  // Declare the shard queue as the worker will, then play a consumer that gives two messages back
  // (so they arrive redelivered) before the worker starts.
  const caller = await plainCaller(t);
  const queue = names.shard(namespace, 'Echo', 0);
  await caller.channel.assertQueue(queue, { durable: true, arguments: shardQueueArguments(namespace) });
  await caller.channel.assertQueue(names.deadLetter(namespace), { durable: true });
  const poisoned = headersFor(hex(), 'echo', { 'turnq-delivery-count': '5' });
  const fresh = headersFor(hex(), 'echo');
  // As turnq's own publisher sends them: no message id, actor type or method header (amqp-wire.ts).
  const leanHeaders = (extra: Record<string, string> = {}): Record<string, string> =>
    headersFor('', '', { [HEADER.messageId]: undefined, [HEADER.actorType]: undefined, [HEADER.method]: undefined, ...extra });
  const leanPoisoned = { messageId: hex(), type: 'echo' };
  const body = Buffer.from(JSON.stringify({ args: ['hi'] }));
  const replies = [
    caller.call(queue, poisoned, body),
    caller.call(queue, fresh, body),
    caller.call(queue, leanHeaders({ 'turnq-delivery-count': '5' }), body, leanPoisoned),
    caller.call(queue, leanHeaders(), Buffer.from(JSON.stringify({ args: ['lean'] })), { messageId: hex(), type: 'echo' }),
  ];
  const grabberConnection = await amqp.connect(AMQP_URL);
  const grabber = await grabberConnection.createChannel();
  await new Promise<void>((resolve) => {
    let seen = 0;
    void grabber.consume(queue, (msg) => {
      if (msg !== null && ++seen === replies.length) {
        grabber.nackAll(true);
        resolve();
      }
    });
  });
  await grabberConnection.close();
  const dead = deadLetters(t, namespace, 2);
  const fixture = createAmqpFixture(namespace);
  fixture.queues.add(queue);
  const host = await echoHost(fixture, namespace);
  t.teardown(async () => {
    await host.stop();
    await fixture.cleanup();
  });
  await host.start();
  const [limitReply, okReply, leanLimitReply, leanReply] = await Promise.all(replies);
  t.is((limitReply?.error as { code?: unknown } | undefined)?.code, 'MESSAGE_DELIVERY_LIMIT');
  t.deepEqual(okReply, { status: 'ok', result: 'hi' });
  t.is((leanLimitReply?.error as { code?: unknown } | undefined)?.code, 'MESSAGE_DELIVERY_LIMIT');
  // Republished with its count, the lean message kept its message_id and type.
  t.deepEqual(leanReply, { status: 'ok', result: 'lean' });
  const messages = await dead;
  for (const m of messages) t.is(String(headerOf(m, HEADER.errorCode)), 'MESSAGE_DELIVERY_LIMIT');
  const full = messages.find((m) => headerOf(m, HEADER.messageId) !== undefined);
  t.is(String(full === undefined ? '' : headerOf(full, HEADER.messageId)), String(poisoned[HEADER.messageId]));
  const lean = messages.find((m) => headerOf(m, HEADER.messageId) === undefined);
  t.is(lean?.properties.messageId, leanPoisoned.messageId);
  t.is(lean?.properties.type, 'echo');
});
