/**
 * The consuming side of a worker (`Transport.consume`): per subscription
 * - one channel for the shard queues, one consumer per shard queue with a broker-side prefetch of
 *   `brokerWindow(prefetch)` (per consumer); single active consumer decides which worker consumes a shard;
 * - the runnable window is enforced here: a shard hands the scheduler at most `spec.prefetch`
 *   runnable (unparked, unsettled) deliveries; the others wait in a FIFO buffer, still unacked on the
 *   broker. A parked delivery (waiting for a locked actor) stops counting, so the next buffered one is
 *   handed over at once: runnable messages, and the calls of the chain holding the lock, keep flowing
 *   until `brokerWindow − prefetch` messages of one shard wait for locked actors (then the shard
 *   stalls until deadlines free it). Why not the broker's own window: RabbitMQ applies a changed
 *   per-consumer prefetch to new consumers only (3.10, classic and quorum); per-channel (global) QoS
 *   does change live on classic queues but is a deprecated feature, denied by default since 4.3;
 *   re-consuming with a larger prefetch would hand the shard to another worker (single active consumer
 *   moves at once). A larger broker window costs nothing in fairness: nobody else may consume the shard.
 * - one channel for the priority lane `<ns>.lane.<worker>` (exclusive, no prefetch limit) and for the
 *   control fan-out (an exclusive server-named queue bound to `<ns>.control`, no-ack), so both flow
 *   whatever the shard windows hold;
 * - the dead-letter queue `<ns>.dead-letter`, where undecodable messages and those past the delivery
 *   limit go at once (after an error reply when they carry a reply address).
 *
 * Counted redelivery: a shard message that arrives with the redelivered flag is republished to its
 * queue with `turnq-delivery-count` + 1 and the original acked; past DELIVERY_LIMIT it is dead-lettered
 * with MESSAGE_DELIVERY_LIMIT instead. (The copy goes to the tail: after a crash or handover, messages
 * redelivered are served after those queued behind them.)
 *
 * Close: every delivery still held (buffered, parked or running) is nacked back (requeue, in delivery
 * order), the consumers are cancelled (awaited), then the channels close. Anything delivered meanwhile
 * is nacked back too.
 */
import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { TurnqError } from '../../errors/turnq-error.js';
import { decodeControl, decodeDelivered, errorReplyFor } from '../../protocol/codec.js';
import { HEADER } from '../../protocol/headers.js';
import { names } from '../../protocol/sharding.js';
import { HeldList, type HeldEntry } from '../held-list.js';
import type { ConsumeSpec, Delivery, Subscription } from '../transport.js';
import type { AmqpConnection, ConnectionUser } from './amqp-connection.js';
import type { AmqpPublisher, PublishOptions } from './amqp-publisher.js';
import {
  DEAD_LETTER_QUEUE_HEADER,
  DELIVERY_COUNT_HEADER,
  DELIVERY_LIMIT,
  declareControlExchange,
  declareDeadLetterQueue,
  declareLaneQueue,
  declareShardQueue,
  deliveryCountOf,
} from './amqp-topology.js';
import { carriedProperties, invocationWireOf, wireMessageOf } from './amqp-wire.js';

export interface ConsumerContext {
  readonly namespace: string;
  readonly maxMessageBytes: number;
  readonly connection: AmqpConnection;
  readonly publisher: AmqpPublisher;
  readonly logger: Logger;
  sendReply(address: string, reply: import('../../protocol/invocation.js').Reply): Promise<void>;
}

interface Held extends HeldEntry<Held> {
  readonly message: amqp.Message;
  readonly channel: amqp.Channel;
  /** Handed to the scheduler (not buffered), and counted as runnable unless parked. */
  active: boolean;
  parked: boolean;
  settled: boolean;
  /** A copy of it being published (counted redelivery, dead letter); it settles the original when done. */
  publishing?: Promise<void>;
}

/** A delivery just received: not handed to the scheduler yet, in no list yet. */
function unheld(message: amqp.Message, channel: amqp.Channel): Held {
  return { message, channel, active: false, parked: false, settled: false, holder: undefined, prev: undefined, next: undefined };
}

/** The broker-side prefetch of a shard consumer: room for parked deliveries beyond `prefetch`. */
export function brokerWindow(prefetch: number): number {
  return Math.min(65_535, Math.max(prefetch * 8, 256));
}

interface ShardState {
  readonly queue: string;
  /** The actor type of the queue: the type of a message that does not name one (amqp-wire.ts). */
  readonly type: string;
  consumerTag: string | undefined;
  /** Deliveries held (not settled), in delivery order (a list, not a Set: see held-list.ts). */
  readonly held: HeldList<Held>;
  /** Valid deliveries not yet handed to the scheduler, in delivery order. */
  readonly buffer: { held: Held; delivery: Delivery }[];
  /** Active, unparked, unsettled deliveries. */
  runnable: number;
}

export class AmqpSubscription implements ConnectionUser, Subscription {
  readonly #ctx: ConsumerContext;
  readonly #spec: ConsumeSpec;
  readonly #laneQueue: string;
  #shards: ShardState[] = [];
  /** One channel for every shard consumer of this subscription, one for the lane and control. */
  #shardChannel: amqp.Channel | undefined;
  #laneChannel: amqp.Channel | undefined;
  readonly #laneHeld = new HeldList<Held>();
  #laneTag: string | undefined;
  #controlTag: string | undefined;
  #closing = false;

  constructor(ctx: ConsumerContext, spec: ConsumeSpec) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.#laneQueue = names.lane(ctx.namespace, spec.workerId);
  }

  async up(connection: amqp.ChannelModel): Promise<void> {
    if (this.#closing) return;
    const { namespace } = this.#ctx;
    const shards: ShardState[] = [];
    const channel = await connection.createChannel();
    this.#watch(channel, 'shard');
    await channel.prefetch(brokerWindow(this.#spec.prefetch), false);
    for (const { type, shards: count } of this.#spec.types) {
      for (let n = 0; n < count; n++) {
        const queue = names.shard(namespace, type, n);
        await declareShardQueue(channel, namespace, queue);
        shards.push({ queue, type, consumerTag: undefined, held: new HeldList<Held>(), buffer: [], runnable: 0 });
      }
    }
    this.#shards = shards;
    this.#shardChannel = channel;
    const laneChannel = await connection.createChannel();
    this.#watch(laneChannel, 'lane');
    await declareDeadLetterQueue(laneChannel, namespace);
    await declareLaneQueue(laneChannel, this.#laneQueue);
    await declareControlExchange(laneChannel, namespace);
    const control = await laneChannel.assertQueue('', { exclusive: true, autoDelete: true });
    await laneChannel.bindQueue(control.queue, names.control(namespace), '');
    this.#laneChannel = laneChannel;
    this.#controlTag = (
      await laneChannel.consume(
        control.queue,
        (message) => {
          if (message !== null) this.#onControl(message);
        },
        { noAck: true },
      )
    ).consumerTag;
    this.#laneTag = (
      await laneChannel.consume(this.#laneQueue, (message) => {
        if (message === null) return;
        const held = unheld(message, laneChannel);
        held.active = true; // a lane message goes to the scheduler at once
        this.#laneHeld.add(held);
        this.#handle(held, undefined);
      })
    ).consumerTag;
    // Shard consumers last: their deliveries may need the lane at once.
    for (const shard of shards) {
      shard.consumerTag = (
        await channel.consume(shard.queue, (message) => {
          this.#onShardMessage(shard, channel, message);
        })
      ).consumerTag;
    }
  }

  down(_error: TurnqError): void {
    // The broker gives back everything we held; the handles of the old channels are dead.
    for (const shard of this.#shards) for (const held of shard.held.takeAll()) held.settled = true;
    for (const held of this.#laneHeld.takeAll()) held.settled = true;
    this.#shards = [];
    this.#shardChannel = undefined;
    this.#laneChannel = undefined;
  }

  #watch(channel: amqp.Channel, what: string): void {
    channel.on('error', (error: Error) => {
      this.#ctx.logger.warn({ err: error, channel: what, worker: this.#spec.workerId }, 'consumer channel error');
    });
    channel.on('close', () => {
      if (this.#closing) return;
      if (channel === this.#laneChannel || channel === this.#shardChannel) this.#ctx.connection.reset(`${what} channel closed`);
    });
  }

  // ---- deliveries ----

  #onShardMessage(shard: ShardState, channel: amqp.Channel, message: amqp.Message | null): void {
    if (message === null) {
      if (!this.#closing) this.#ctx.logger.warn({ queue: shard.queue }, 'the broker cancelled a shard consumer (queue deleted?)');
      return;
    }
    const held: Held = unheld(message, channel);
    if (this.#closing) {
      channel.nack(message, false, true);
      return;
    }
    shard.held.add(held);
    if (message.fields.redelivered) this.#redelivered(held, shard);
    else this.#handle(held, shard);
  }

  /** Counted redelivery (see the file comment). */
  #redelivered(held: Held, shard: ShardState): void {
    const count = deliveryCountOf(held.message) + 1;
    const wire = wireMessageOf(held.message);
    if (count > DELIVERY_LIMIT) {
      const error = new TurnqError('MESSAGE_DELIVERY_LIMIT', {
        message: `message was delivered ${count} times without completing (limit ${DELIVERY_LIMIT} redeliveries)`,
      });
      this.#reject(held, shard, error);
      return;
    }
    const { properties } = held.message;
    const replyTo: unknown = properties.replyTo;
    const keep =
      typeof replyTo === 'string' && replyTo !== ''
        ? Object.entries(wire.headers).filter(([name]) => name !== HEADER.replyTo)
        : Object.entries(wire.headers);
    const headers: Record<string, string> = { ...Object.fromEntries(keep), [DELIVERY_COUNT_HEADER]: String(count) };
    const options: PublishOptions = {
      persistent: true,
      mandatory: false,
      ...(typeof replyTo === 'string' && replyTo !== '' ? { replyTo } : {}),
      ...carriedProperties(held.message),
    };
    held.publishing = this.#ctx.publisher.publish(shard.queue, { headers, body: held.message.content }, options).then(
      () => {
        this.#settle(held, shard, 'ack');
      },
      (error: unknown) => {
        if (error instanceof TurnqError && !error.retryable) {
          // It can never be republished (e.g. headers over 64 KiB): dead-letter it rather than loop.
          this.#reject(held, shard, error);
          return;
        }
        this.#ctx.logger.warn({ err: error, queue: shard.queue }, 'republishing a redelivered message failed; giving it back');
        this.#settle(held, shard, 'requeue');
      },
    );
  }

  /** A valid delivery of a shard (`shard` given) or of the lane; an invalid one is rejected. */
  #handle(held: Held, shard: ShardState | undefined): void {
    const decoded = decodeDelivered(invocationWireOf(held.message, shard?.type), this.#ctx.maxMessageBytes);
    if (!decoded.ok) {
      this.#reject(held, shard, decoded.error, decoded.reply);
      return;
    }
    const invocation = decoded.invocation;
    const redeliveries = deliveryCountOf(held.message);
    const delivery: Delivery = {
      invocation,
      lane: shard === undefined ? 'priority' : 'shard',
      redeliveries,
      ack: () => {
        this.#settle(held, shard, 'ack');
      },
      requeue: () => {
        this.#settle(held, shard, 'requeue');
      },
      deadLetter: (error) => {
        this.#deadLetter(held, shard, error);
      },
      park: () => {
        if (held.settled || held.parked || shard === undefined) return;
        held.parked = true;
        shard.runnable--;
        this.#drain(shard);
      },
      unpark: () => {
        if (held.settled || !held.parked || shard === undefined) return;
        held.parked = false;
        shard.runnable++;
      },
    };
    if (shard === undefined) {
      this.#spec.onDelivery(delivery);
      return;
    }
    shard.buffer.push({ held, delivery });
    this.#drain(shard);
  }

  /** Hands buffered deliveries to the scheduler while the shard has fewer than `prefetch` runnable. */
  #drain(shard: ShardState): void {
    while (shard.runnable < this.#spec.prefetch && shard.buffer.length > 0 && !this.#closing) {
      const next = shard.buffer.shift();
      if (next === undefined || next.held.settled) continue;
      next.held.active = true;
      shard.runnable++;
      this.#spec.onDelivery(next.delivery);
    }
  }

  /** An invalid message: error reply when it has a reply address, then the dead-letter queue. */
  #reject(
    held: Held,
    shard: ShardState | undefined,
    error: TurnqError,
    owed = errorReplyFor(invocationWireOf(held.message).headers, error),
  ): void {
    if (owed !== undefined) {
      this.#ctx.sendReply(owed.address, owed.reply).catch((replyError: unknown) => {
        this.#ctx.logger.warn({ err: replyError }, 'error reply to an invalid message not sent');
      });
    }
    this.#deadLetter(held, shard, error);
  }

  /** A copy with the reason headers to the dead-letter queue (its headers as they came, `message_id` and `type` kept), then ack. */
  #deadLetter(held: Held, shard: ShardState | undefined, error: TurnqError): void {
    if (held.settled) return;
    const wire = wireMessageOf(held.message);
    const queue = (held.message.fields as { routingKey?: string }).routingKey ?? '';
    const headers = {
      ...wire.headers,
      [HEADER.errorCode]: error.code,
      [HEADER.errorReason]: error.message,
      [DEAD_LETTER_QUEUE_HEADER]: queue,
    };
    held.publishing = this.#ctx.publisher
      .publish(
        names.deadLetter(this.#ctx.namespace),
        { headers, body: wire.body },
        { persistent: true, mandatory: false, ...carriedProperties(held.message) },
      )
      .then(
        () => {
          this.#settle(held, shard, 'ack');
        },
        (publishError: unknown) => {
          // Let the broker dead-letter it (x-dead-letter-routing-key), without our reason headers.
          this.#ctx.logger.error(
            { err: publishError, code: error.code },
            'dead-letter publish failed; rejecting to the broker dead-letter route',
          );
          this.#settle(held, shard, 'reject');
        },
      );
    this.#spec.onDeadLetter?.(error.code, error.message);
  }

  #settle(held: Held, shard: ShardState | undefined, how: 'ack' | 'requeue' | 'reject'): void {
    if (held.settled) return;
    held.settled = true;
    try {
      if (how === 'ack') held.channel.ack(held.message);
      else held.channel.nack(held.message, false, how === 'requeue');
    } catch (error) {
      // The channel is gone: the broker has given the message back already.
      this.#ctx.logger.debug({ err: error }, 'settling a delivery of a closed channel');
    }
    if (shard === undefined) {
      this.#laneHeld.delete(held);
      return;
    }
    shard.held.delete(held);
    if (held.active && !held.parked) {
      shard.runnable--;
      this.#drain(shard);
    }
  }

  #onControl(message: amqp.Message): void {
    try {
      this.#spec.onControl(decodeControl(message.content.toString('utf8')));
    } catch (error) {
      this.#ctx.logger.warn({ err: error }, 'undecodable control message dropped');
    }
  }

  // ---- close ----

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#ctx.connection.release(this);
    const laneChannel = this.#laneChannel;
    const tasks: Promise<unknown>[] = [];
    // Back in delivery order (the list keeps it); one whose copy is being published is settled by that
    // publish instead: requeueing it too would leave two of it.
    const giveBack = (h: Held, shard: ShardState | undefined): void => {
      if (h.publishing !== undefined) tasks.push(h.publishing);
      else this.#settle(h, shard, 'requeue');
    };
    for (const shard of this.#shards) {
      shard.buffer.length = 0;
      for (const h of shard.held.toArray()) giveBack(h, shard);
      if (shard.consumerTag !== undefined) tasks.push(this.#shardChannel?.cancel(shard.consumerTag) ?? Promise.resolve());
    }
    for (const h of this.#laneHeld.toArray()) giveBack(h, undefined);
    if (laneChannel !== undefined) {
      if (this.#laneTag !== undefined) tasks.push(laneChannel.cancel(this.#laneTag));
      if (this.#controlTag !== undefined) tasks.push(laneChannel.cancel(this.#controlTag));
    }
    await this.#quietly(Promise.all(tasks), 'cancelling consumers');
    if (laneChannel !== undefined) await this.#quietly(laneChannel.deleteQueue(this.#laneQueue), 'deleting the lane');
    for (const channel of [this.#shardChannel, laneChannel])
      if (channel !== undefined) await this.#quietly(channel.close(), 'closing a consumer channel');
    this.#shards = [];
  }

  async #quietly(task: Promise<unknown>, what: string): Promise<void> {
    try {
      await task;
    } catch (error) {
      // The connection may be down already; the broker then returns what we held by itself.
      this.#ctx.logger.debug({ err: error }, what);
    }
  }
}
