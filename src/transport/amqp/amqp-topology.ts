/**
 * Everything turnq declares on RabbitMQ, with its arguments (docs/protocol.md explains each):
 *
 * - `<ns>.shard.<Type>.<n>`: classic queue, durable, `x-single-active-consumer: true`, rejected
 *   messages dead-lettered by the broker to `<ns>.dead-letter` through the default exchange (a fallback
 *   only: the transport dead-letters with reason headers itself). Classic rather than quorum: measured
 *   here, an RPC through a quorum queue took about twice the p50 of a classic one (persistent, 3.10), and
 *   the redelivery count (`turnq-delivery-count`, counted by the transport) then means the same on 3.x
 *   and 4.x. Declared only by workers: a publisher never creates one, so a type no worker hosts stays
 *   unroutable (the publish is returned → ACTOR_TYPE_UNKNOWN).
 * - `<ns>.lane.<worker>`: classic, exclusive (dies with the worker's connection), the priority lane.
 * - `<ns>.dead-letter`: classic, durable; each message keeps its headers and body plus
 *   `turnq-error-code`, `turnq-error-reason` and `turnq-dead-letter-queue`.
 * - `<ns>.control`: fanout exchange, durable; each worker subscription binds an exclusive server-named queue.
 * - Replies: RabbitMQ direct reply-to (`amq.rabbitmq.reply-to`), no queue.
 *
 * Routing: every invocation is published to the default exchange `""` with the queue name as routing
 * key, `mandatory: true`.
 */
import type * as amqp from 'amqplib';
import { names } from '../../protocol/sharding.js';

/** Redeliveries after which the transport dead-letters a message (MESSAGE_DELIVERY_LIMIT). */
export const DELIVERY_LIMIT = 5;
/**
 * Counted redelivery: classic queues only flag a redelivery, so the worker that receives a redelivered
 * message republishes it with this header incremented (and acks the original); the count survives
 * crashes because it travels with the message.
 */
export const DELIVERY_COUNT_HEADER = 'turnq-delivery-count';
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
/** Header naming the queue a dead-lettered message came from. */
export const DEAD_LETTER_QUEUE_HEADER = 'turnq-dead-letter-queue';

export function shardQueueArguments(namespace: string): Record<string, unknown> {
  return {
    'x-queue-type': 'classic',
    'x-single-active-consumer': true,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.deadLetter(namespace),
  };
}

export async function declareShardQueue(channel: amqp.Channel, namespace: string, queue: string): Promise<void> {
  await channel.assertQueue(queue, { durable: true, arguments: shardQueueArguments(namespace) });
}

export async function declareDeadLetterQueue(channel: amqp.Channel, namespace: string): Promise<void> {
  await channel.assertQueue(names.deadLetter(namespace), { durable: true });
}

export async function declareControlExchange(channel: amqp.Channel, namespace: string): Promise<void> {
  await channel.assertExchange(names.control(namespace), 'fanout', { durable: true });
}

export async function declareLaneQueue(channel: amqp.Channel, queue: string): Promise<void> {
  await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
}

/** Earlier deliveries counted so far (header DELIVERY_COUNT_HEADER; shard queues are classic, so never quorum's count). */
export function deliveryCountOf(message: amqp.Message): number {
  const headers = message.properties.headers as Record<string, unknown> | undefined;
  const counted: unknown = headers?.[DELIVERY_COUNT_HEADER];
  const n =
    typeof counted === 'number' ? counted : typeof counted === 'string' || Buffer.isBuffer(counted) ? Number(counted.toString()) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
