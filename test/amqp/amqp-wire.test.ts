/**
 * The RabbitMQ mapping of the wire protocol (docs/protocol.md, "RabbitMQ", "Messages"), seen with plain
 * amqplib on the other side: what turnq's client publishes (message id in `message_id`, method in
 * `type`, no actor type on a shard queue, the chain context always in headers, no `content_encoding`), that a reply with nothing but `correlation_id` and a
 * body answers its call, that a worker serves such a lean message and answers without headers, and that
 * two pending publishes of one message id still tell their returns apart.
 */
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import type { ExecutionContext } from 'ava';
import { Client } from '../../src/client/client.js';
import { HEADER } from '../../src/protocol/headers.js';
import { HEX_ID_PATTERN } from '../../src/protocol/ids.js';
import { names } from '../../src/protocol/sharding.js';
import { declareShardQueue } from '../../src/transport/amqp/amqp-topology.js';
import { invocationWireOf } from '../../src/transport/amqp/amqp-wire.js';
import type { Transport } from '../../src/transport/transport.js';
import { decodeInvocation } from '../../src/protocol/codec.js';
import { AMQP_URL, amqpBackends, createAmqpFixture } from '../helpers/amqp-backend.js';
import { startCluster } from '../helpers/cluster.js';
import { amqpTest, rootCallHeaders } from './amqp-helpers.js';
import { Echo } from './amqp-actors.js';

const hex = (): string => randomBytes(16).toString('hex');

/** A turnq client and, on a plain channel, the shard queue of type `Spy` (one shard) it publishes to. */
async function spySetup(t: ExecutionContext): Promise<{ client: Client; transport: Transport; channel: amqp.Channel; queue: string }> {
  const namespace = `tq-wire-${randomBytes(4).toString('hex')}`;
  const fixture = createAmqpFixture(namespace);
  const queue = names.shard(namespace, 'Spy', 0);
  fixture.queues.add(queue);
  t.teardown(() => fixture.cleanup());
  const transport = await fixture.transport();
  const client = new Client({ transport, shardsFor: () => 1, callTimeout: 10_000 });
  t.teardown(() => client.close());
  const connection = await amqp.connect(AMQP_URL);
  t.teardown(() => connection.close());
  const channel = await connection.createChannel();
  await declareShardQueue(channel, namespace, queue);
  return { client, transport, channel, queue };
}

/** The next `count` messages of `queue`, acked. */
function next(channel: amqp.Channel, queue: string, count: number): Promise<amqp.ConsumeMessage[]> {
  const got: amqp.ConsumeMessage[] = [];
  return new Promise((resolve, reject) => {
    channel
      .consume(queue, (msg) => {
        if (msg === null) return;
        channel.ack(msg);
        got.push(msg);
        if (got.length === count) resolve(got);
      })
      .catch(reject);
  });
}

amqpTest(
  'a root call carries its id in message_id, its chain context in headers and no actor type, method or encoding; a bare correlation_id reply answers it',
  async (t) => {
    const { client, channel, queue } = await spySetup(t);
    const received = next(channel, queue, 1);
    const call = client.call('Spy', '7', 'get', ['x']);
    const [msg] = await received;
    if (msg === undefined) throw new Error('nothing published');
    const { properties } = msg;
    const headers = properties.headers as Record<string, unknown>;
    t.deepEqual(
      Object.keys(headers).sort(),
      [HEADER.actorId, HEADER.callStack, HEADER.deadline, HEADER.depth, HEADER.protocol, HEADER.reentrancyId].sort(),
    );
    t.is(headers[HEADER.callStack], '[]');
    t.is(headers[HEADER.depth], '1');
    t.is(properties.type, 'get');
    t.true(HEX_ID_PATTERN.test(String(properties.messageId)));
    t.is(properties.contentType, 'application/json');
    t.is(properties.contentEncoding, undefined);
    t.is(properties.deliveryMode, 2);
    const decoded = invocationWireOf(msg, 'Spy').headers;
    t.is(decoded[HEADER.messageId], properties.messageId);
    t.is(decoded[HEADER.actorType], 'Spy');
    t.is(decoded[HEADER.method], 'get');
    // Reply as the simplest foreign worker would: correlation_id and a body, no headers.
    const body = Buffer.from(JSON.stringify({ status: 'ok', result: 42 }));
    channel.publish('', String(properties.replyTo), body, { correlationId: String(properties.messageId) });
    t.is(await call, 42);
  },
);

amqpTest('two pending publishes of one message id: the second carries the id in its header, both arrive as that id', async (t) => {
  const { client, channel, queue } = await spySetup(t);
  const received = next(channel, queue, 2);
  const messageId = hex();
  await Promise.all([client.sendOneWay('Spy', '1', 'hit', [], { messageId }), client.sendOneWay('Spy', '1', 'hit', [], { messageId })]);
  const [first, second] = await received;
  if (first === undefined || second === undefined) throw new Error('not both published');
  t.is(first.properties.messageId, messageId);
  t.is((first.properties.headers as Record<string, unknown>)[HEADER.messageId], undefined);
  t.not(second.properties.messageId, messageId);
  t.is(String((second.properties.headers as Record<string, unknown>)[HEADER.messageId]), messageId);
  t.is(invocationWireOf(first).headers[HEADER.messageId], messageId);
  t.is(invocationWireOf(second).headers[HEADER.messageId], messageId);
});

amqpTest(
  'a worker serves a root call with its id in message_id, its method in type and no actor type, and answers with correlation_id and no headers',
  async (t) => {
    const cluster = await startCluster(t, amqpBackends[0]!, { actors: [Echo], config: { shards: 1 } });
    const queue = names.shard(cluster.fixture.namespace, 'Echo', 0);
    const connection = await amqp.connect(AMQP_URL);
    t.teardown(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const messageId = hex();
    let deliver: (msg: amqp.ConsumeMessage) => void = () => undefined;
    const reply = new Promise<amqp.ConsumeMessage>((resolve) => (deliver = resolve));
    await channel.consume(
      'amq.rabbitmq.reply-to',
      (msg) => {
        if (msg !== null && msg.properties.correlationId === messageId) deliver(msg);
      },
      { noAck: true },
    );
    channel.publish('', queue, Buffer.from(JSON.stringify({ args: ['lean'] })), {
      headers: rootCallHeaders({ [HEADER.actorId]: 'lean' }),
      messageId,
      type: 'echo',
      replyTo: 'amq.rabbitmq.reply-to',
      persistent: true,
      mandatory: true,
    });
    await channel.waitForConfirms();
    const answer = await reply;
    t.deepEqual(JSON.parse(answer.content.toString('utf8')), { status: 'ok', result: 'lean' });
    t.deepEqual(answer.properties.headers ?? {}, {}); // RabbitMQ 3.10 delivers an empty table
    t.is(answer.properties.contentEncoding, undefined);
  },
);

amqpTest('a raw publish without a message id carries none: the publisher matches returns by a header workers ignore', async (t) => {
  const { transport, channel, queue } = await spySetup(t);
  const received = next(channel, queue, 1);
  const headers = rootCallHeaders({ [HEADER.actorId]: '1', [HEADER.actorType]: 'Spy', [HEADER.method]: 'hit' });
  await transport.publishRaw(queue, { headers, body: '{"args":[]}' });
  const [msg] = await received;
  if (msg === undefined) throw new Error('nothing published');
  t.is(msg.properties.messageId, undefined);
  // A worker reads no message id (the publisher's key is an `x-` header): the message is incomplete.
  t.is(invocationWireOf(msg, 'Spy').headers[HEADER.messageId], undefined);
  t.throws(() => decodeInvocation(invocationWireOf(msg, 'Spy')), { message: /turnq-message-id/ });
  // A raw publish to no queue is still told apart and refused.
  await t.throwsAsync(transport.publishRaw(`${queue}-missing`, { headers, body: '{"args":[]}' }), { code: 'PUBLISH_UNROUTABLE' });
});
