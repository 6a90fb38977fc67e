/**
 * The RabbitMQ mapping of invocations and replies (src/transport/amqp/amqp-wire.ts): what it leaves out
 * on publish, and that what it receives decodes as before, whether a publisher sent every header of
 * version 1 or only the lean set.
 */
import type * as amqp from 'amqplib';
import test from 'ava';
import { decodeInvocation, decodeReply, encodeInvocation } from '../../src/protocol/codec.js';
import { HEADER } from '../../src/protocol/headers.js';
import { createInvocation, ROOT_STACK, type Invocation } from '../../src/protocol/invocation.js';
import { invocationHeaders, invocationWireOf, replyMessage, replyWireOf } from '../../src/transport/amqp/amqp-wire.js';

const root: Invocation = createInvocation(
  { actorType: 'A', actorId: '1', method: 'run', args: [1] },
  {
    messageId: '0123456789abcdef0123456789abcdef',
    reentrancyId: 'fedcba9876543210fedcba9876543210',
    stack: ROOT_STACK,
    deadline: 1_800_000_000_000,
  },
  'amq.rabbitmq.reply-to#c1',
);
const nested: Invocation = createInvocation(
  { actorType: 'A', actorId: '1', method: 'pong', args: [] },
  {
    messageId: 'm2',
    reentrancyId: root.reentrancyId,
    stack: [
      { actor: 'A/1', method: 'run', turn: 't1', worker: 'w1' },
      { actor: 'B/1', method: 'ping', turn: 't2', worker: 'w1' },
    ],
    deadline: root.deadline,
  },
  'amq.rabbitmq.reply-to#c1',
);

/** A received AMQP message as amqplib hands it over. */
function received(headers: Record<string, unknown> | undefined, properties: Record<string, unknown>, body: string): amqp.Message {
  return { content: Buffer.from(body), fields: {}, properties: { headers, ...properties } } as unknown as amqp.Message;
}

test('a root call to its shard leaves out the message id, the actor type and the method, never the chain context', (t) => {
  const headers = invocationHeaders(root, true);
  t.deepEqual(
    Object.keys(headers).sort(),
    [HEADER.actorId, HEADER.callStack, HEADER.deadline, HEADER.depth, HEADER.protocol, HEADER.reentrancyId].sort(),
  );
  t.is(headers[HEADER.callStack], '[]');
  t.is(headers[HEADER.depth], '1');
});

test('a call to a lane names its actor type; a nested call keeps stack and depth', (t) => {
  t.is(invocationHeaders(root, false)[HEADER.actorType], 'A');
  const headers = invocationHeaders(nested, false);
  t.is(headers[HEADER.actorType], 'A');
  t.is(headers[HEADER.depth], '2');
  t.is(headers[HEADER.callStack], JSON.stringify(nested.stack));
  t.is(headers[HEADER.messageId], undefined);
  t.is(headers[HEADER.method], undefined);
});

test('lean messages decode with the id from message_id, the method from type and the type of their shard queue', (t) => {
  const replyTo = 'amq.rabbitmq.reply-to#c1';
  const lean = received(invocationHeaders(root, true), { messageId: root.messageId, type: 'run', replyTo }, '{"args":[1]}');
  t.deepEqual(decodeInvocation(invocationWireOf(lean, 'A')), root);
  const deeper = received(invocationHeaders(nested, true), { messageId: 'm2', type: 'pong', replyTo }, '{"args":[]}');
  t.deepEqual(decodeInvocation(invocationWireOf(deeper, 'A')), nested);
  // Without a method in either place the message is invalid.
  const noMethod = received(invocationHeaders(root, true), { messageId: root.messageId, replyTo }, '{"args":[1]}');
  t.throws(() => decodeInvocation(invocationWireOf(noMethod, 'A')), { message: /turnq-method/ });
  // On a lane nothing names the type: a message without one is invalid.
  t.throws(() => decodeInvocation(invocationWireOf(lean)), { message: /turnq-actor-type/ });
  // A type the message names wins over its queue's.
  const named = received(invocationHeaders(root, false), { messageId: root.messageId, type: 'run', replyTo }, '{"args":[1]}');
  t.is(decodeInvocation(invocationWireOf(named, 'Other')).actorType, 'A');
});

test('a message with every version 1 header decodes as before; its headers win over message_id and type', (t) => {
  const full = encodeInvocation(root, false);
  const properties = { messageId: `${root.messageId}#7`, type: 'other', replyTo: 'amq.rabbitmq.reply-to#c1' };
  const message = received(full.headers, properties, String(full.body));
  t.deepEqual(decodeInvocation(invocationWireOf(message, 'A')), root);
});

test('the chain context is required: a message without its call stack or its depth is invalid, a wrong depth too', (t) => {
  const wrongDepth = received({ ...invocationHeaders(root, false), [HEADER.depth]: '2' }, { messageId: 'x', type: 'run' }, '{"args":[]}');
  t.throws(() => decodeInvocation(invocationWireOf(wrongDepth)), { message: /turnq-depth/ });
  const { [HEADER.depth]: _depth, ...noDepth } = invocationHeaders(nested, false);
  t.throws(() => decodeInvocation(invocationWireOf(received(noDepth, { messageId: 'x', type: 'pong' }, '{"args":[]}'))), {
    message: /turnq-depth/,
  });
  const { [HEADER.callStack]: _stack, ...noStack } = invocationHeaders(root, false);
  t.throws(() => decodeInvocation(invocationWireOf(received(noStack, { messageId: 'x', type: 'run' }, '{"args":[]}'))), {
    message: /turnq-call-stack/,
  });
});

test('a reply has no headers; its correlation id comes from correlation_id unless a header gives it', (t) => {
  const reply = { correlationId: 'm1', status: 'ok', result: { n: 1 } } as const;
  const message = replyMessage(reply);
  t.deepEqual(message.headers, {});
  t.deepEqual(decodeReply(replyWireOf(received(undefined, { correlationId: 'm1' }, String(message.body)))), reply);
  const withHeader = received({ [HEADER.correlationId]: 'm1', [HEADER.status]: 'ok' }, { correlationId: 'other' }, String(message.body));
  t.deepEqual(decodeReply(replyWireOf(withHeader)), reply);
});
