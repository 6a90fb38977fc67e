/**
 * How turnq's wire messages (src/protocol/codec.ts) map onto AMQP messages (docs/protocol.md,
 * "RabbitMQ", "Messages"). Every header costs the broker (it decodes the header table of each publish)
 * and amqplib's table encoder and decoder, so the RabbitMQ mapping leaves out what AMQP properties or
 * defaults already say:
 *
 * - the message id travels in the AMQP `message_id` property; the `turnq-message-id` header is sent only
 *   when the property cannot carry it (two publishes of one id pending on one channel, see the
 *   publisher), and wins when present;
 * - a message to a shard queue leaves out `turnq-actor-type`: the queue `<ns>.shard.<Type>.<n>` names it;
 * - the method travels in the AMQP `type` property (the message's type name), not in `turnq-method`;
 * - the reply address is the AMQP `reply_to` property (direct reply-to), never a header;
 * - a reply carries no header: the AMQP `correlation_id` property is its correlation id, its body says
 *   its status.
 *
 * The chain context (`turnq-reentrancy-id`, `turnq-call-stack`, `turnq-depth`, `turnq-deadline`) is
 * always in the headers, as on every transport, root calls included. Received messages are read
 * leniently: everything a version 1 publisher sent before (every header) is accepted as it was.
 */
import type * as amqp from 'amqplib';
import { coreHeaders, encodeArgs, encodeReply, type WireHeaders, type WireMessage } from '../../protocol/codec.js';
import { HEADER } from '../../protocol/headers.js';
import type { Invocation, Reply } from '../../protocol/invocation.js';

/**
 * The headers of an invocation on RabbitMQ (the message id goes in `message_id`, the method in `type`,
 * see the file comment). `toShard`: published to a shard queue of its type, which names the type.
 */
export function invocationHeaders(inv: Invocation, toShard: boolean): WireHeaders {
  const headers = coreHeaders(inv);
  if (!toShard) headers[HEADER.actorType] = inv.actorType;
  return headers;
}

/** An invocation as an AMQP message body and headers (`toShard`: see `invocationHeaders`). */
export function invocationMessage(inv: Invocation, toShard: boolean): WireMessage {
  return { headers: invocationHeaders(inv, toShard), body: encodeArgs(inv.args) };
}

/** A reply as an AMQP message: the codec's body, no headers (`correlation_id` says whom it answers). */
export function replyMessage(reply: Reply): WireMessage {
  return { headers: {}, body: encodeReply(reply).body };
}

/**
 * The wire headers of a received message as it came: string values as they are, Buffers as UTF-8,
 * numbers and booleans as text (lenient with foreign publishers); other values and broker `x-` headers
 * are dropped. The AMQP `reply_to` property, when set, is the reply address (direct reply-to fills it
 * in). What a dead letter or a republished copy carries.
 */
export function wireMessageOf(message: amqp.Message): WireMessage {
  const headers: WireHeaders = {};
  const raw = message.properties.headers as Record<string, unknown> | undefined;
  if (raw !== undefined) {
    for (const name in raw) {
      if (name.startsWith('x-')) continue;
      const value = raw[name];
      if (typeof value === 'string') headers[name] = value;
      else if (Buffer.isBuffer(value)) headers[name] = value.toString('utf8');
      else if (typeof value === 'number' || typeof value === 'boolean') headers[name] = String(value);
    }
  }
  const replyTo: unknown = message.properties.replyTo;
  if (typeof replyTo === 'string' && replyTo !== '') headers[HEADER.replyTo] = replyTo;
  return { headers, body: message.content };
}

/**
 * A received invocation in the form the codec decodes: `wireMessageOf` with what the RabbitMQ mapping
 * leaves out filled in: the message id from `message_id`, the method from `type`, the actor type from
 * `queueType` (the type of the shard queue it came from; none for a lane). Headers present win; the
 * chain context is never filled in (a message without it is invalid).
 */
export function invocationWireOf(message: amqp.Message, queueType?: string): WireMessage {
  const wire = wireMessageOf(message);
  const headers = wire.headers;
  if (queueType !== undefined) headers[HEADER.actorType] ??= queueType;
  if (headers[HEADER.method] === undefined) {
    const type: unknown = message.properties.type;
    if (typeof type === 'string' && type !== '') headers[HEADER.method] = type;
  }
  if (headers[HEADER.messageId] === undefined) {
    const id: unknown = message.properties.messageId;
    if (typeof id === 'string' && id !== '') headers[HEADER.messageId] = id;
  }
  return wire;
}

/**
 * The AMQP properties of a received message that carry protocol fields (`message_id`, `type`), for a
 * copy of it (counted redelivery, dead letter) to keep.
 */
export function carriedProperties(message: amqp.Message): { messageId?: string; type?: string } {
  const { messageId, type } = message.properties as { messageId?: unknown; type?: unknown };
  const kept: { messageId?: string; type?: string } = {};
  if (typeof messageId === 'string' && messageId !== '') kept.messageId = messageId;
  if (typeof type === 'string' && type !== '') kept.type = type;
  return kept;
}

/** A received reply in the form the codec decodes: the correlation id from `correlation_id` unless a header gives it. */
export function replyWireOf(message: amqp.Message): WireMessage {
  const wire = wireMessageOf(message);
  if (wire.headers[HEADER.correlationId] === undefined) {
    const id: unknown = message.properties.correlationId;
    if (typeof id === 'string' && id !== '') wire.headers[HEADER.correlationId] = id;
  }
  return wire;
}
