/**
 * The publishing side of a transport: one confirm channel per connection that
 * - publishes invocations to the default exchange with routing key = queue name and `mandatory: true`,
 *   resolving on the broker's confirm and rejecting when the message was returned (a returned message
 *   is still confirmed, so returns are matched to publishes by the AMQP `message_id` property) or nacked;
 * - consumes RabbitMQ direct reply-to (`amq.rabbitmq.reply-to`, no-ack, on this same channel, as the
 *   broker requires) and hands each reply to the reply endpoint whose call it answers;
 * - publishes dead letters (confirmed too);
 * and one plain channel (no confirms) for replies and control messages: a reply goes to a direct
 * reply-to address, which the broker never confirms more usefully than "accepted" (a caller that is
 * gone drops it), so a confirm there would only cost a frame per call.
 *
 * Calls waiting for a reply are tracked by message id; when the connection is lost their replies
 * (addressed to this channel) can never arrive, so each gets a TRANSPORT_UNAVAILABLE error reply at once.
 */
import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { TurnqError } from '../../errors/turnq-error.js';
import { bodyBytes, decodeReply, type WireMessage } from '../../protocol/codec.js';
import type { Reply } from '../../protocol/invocation.js';
import type { AmqpConnection, ConnectionUser } from './amqp-connection.js';
import { HEADER } from '../../protocol/headers.js';
import { IdMap } from '../../protocol/id-map.js';
import { DIRECT_REPLY_TO } from './amqp-topology.js';
import { replyWireOf } from './amqp-wire.js';

/** Carries the return-matching key of a publish that has no message id of its own (`x-`: workers ignore it). */
export const PUBLISH_KEY_HEADER = 'x-turnq-publish-key';

export interface PublishOptions {
  readonly persistent: boolean;
  readonly mandatory: boolean;
  /** AMQP message_id; used to match a return with its publish. */
  readonly messageId?: string;
  readonly correlationId?: string;
  /** AMQP type: an invocation's method (amqp-wire.ts). */
  readonly type?: string;
  /** An explicit AMQP reply_to (a republished message keeps its caller's address). */
  readonly replyTo?: string;
  /** The error for a returned (unroutable) message. */
  readonly unroutable?: () => TurnqError;
  /**
   * A call: its reply, on this channel's direct reply-to, goes to the endpoint of `address`. Tracked
   * from the publish until the reply or the deadline; a publish that fails untracks it.
   */
  readonly awaitsReply?: { readonly address: string; readonly deadline: number };
}

interface PendingPublish {
  returned: boolean;
  /** The call tracked with this publish (its message id), untracked when the publish fails. */
  readonly call: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly unroutable: (() => TurnqError) | undefined;
}

interface TrackedCall {
  readonly onReply: (reply: Reply) => void;
  readonly deadline: number;
}

export class AmqpPublisher implements ConnectionUser {
  readonly #connection: AmqpConnection;
  readonly #logger: Logger;
  #channel: amqp.ConfirmChannel | undefined;
  #plain: amqp.Channel | undefined;
  /** Publishes waiting for their confirm, and (below) calls for their reply: IdMaps, see id-map.ts. */
  readonly #pending = new IdMap<PendingPublish>();
  #seq = 0;
  readonly #calls = new IdMap<TrackedCall>();
  /** Reply endpoints by address (`amq.rabbitmq.reply-to#<client>`). */
  readonly #endpoints = new Map<string, (reply: Reply) => void>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(connection: AmqpConnection, logger: Logger) {
    this.#connection = connection;
    this.#logger = logger;
  }

  async up(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    this.#watch(channel, 'publish', () => {
      if (this.#channel !== channel) return;
      this.down(new TurnqError('TRANSPORT_UNAVAILABLE', { message: 'publish channel closed' }));
      this.#connection.reset('publish channel closed');
    });
    channel.on('return', (message: amqp.Message) => {
      const headers = message.properties.headers as Record<string, unknown> | undefined;
      const keyed: unknown = headers?.[PUBLISH_KEY_HEADER];
      const key: unknown = keyed === undefined ? message.properties.messageId : Buffer.isBuffer(keyed) ? keyed.toString('utf8') : keyed;
      const entry = typeof key === 'string' ? this.#pending.get(key) : undefined;
      if (entry !== undefined) entry.returned = true;
      else this.#logger.warn({ messageId: key }, 'a returned message matched no publish');
    });
    await channel.consume(
      DIRECT_REPLY_TO,
      (message) => {
        if (message !== null) this.#onReply(message);
      },
      { noAck: true },
    );
    const plain = await connection.createChannel();
    this.#watch(plain, 'reply', () => {
      if (this.#plain !== plain) return;
      this.#plain = undefined;
      this.#connection.reset('reply channel closed');
    });
    this.#plain = plain;
    this.#channel = channel;
    this.#sweep ??= setInterval(() => {
      this.#expire();
    }, 5000).unref();
  }

  /** Logs a channel's errors; `onClose` decides what its closing means (only a current channel matters). */
  #watch(channel: amqp.Channel, what: string, onClose: () => void): void {
    channel.on('error', (error: Error) => {
      this.#logger.warn({ err: error }, `${what} channel error`);
    });
    channel.on('close', onClose);
  }

  down(error: TurnqError): void {
    this.#channel = undefined;
    this.#plain = undefined;
    for (const [key, entry] of this.#pending.entries()) {
      this.#pending.delete(key);
      entry.reject(error);
    }
    for (const [id, call] of this.#calls.entries()) {
      this.#calls.delete(id);
      call.onReply({ correlationId: id, status: 'error', error: error.toWire() });
    }
  }

  /** Publishes and resolves on the broker's confirm; rejects when returned, nacked or disconnected. */
  publish(routingKey: string, message: WireMessage, options: PublishOptions, exchange = ''): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined) {
      return Promise.reject(new TurnqError(this.#connection.closed ? 'TRANSPORT_CLOSED' : 'TRANSPORT_UNAVAILABLE'));
    }
    let key = options.messageId ?? `p${++this.#seq}`;
    let headers = message.headers;
    // Without a message id of its own the message gets none: the key that matches its return travels
    // in a header workers ignore, so that no worker takes the publisher's counter for a message id.
    if (options.messageId === undefined) headers = { ...headers, [PUBLISH_KEY_HEADER]: key };
    else if (this.#pending.has(key)) {
      // `message_id` must tell pending publishes apart (returns are matched by it): this one gets a
      // suffix there, so the message id travels in its header (which wins over the property).
      if (headers[HEADER.messageId] === undefined) headers = { ...headers, [HEADER.messageId]: key };
      key = `${key}#${++this.#seq}`;
    }
    const call = this.#track(options);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(key, { returned: false, resolve, reject, unroutable: options.unroutable, call });
      const properties: amqp.Options.Publish = {
        headers,
        persistent: options.persistent,
        mandatory: options.mandatory,
        contentType: 'application/json',
      };
      if (options.messageId !== undefined) properties.messageId = key;
      if (options.correlationId !== undefined) properties.correlationId = options.correlationId;
      if (options.type !== undefined) properties.type = options.type;
      if (options.replyTo !== undefined) properties.replyTo = options.replyTo;
      try {
        channel.publish(exchange, routingKey, bodyBytes(message.body), properties, (error: unknown) => {
          this.#confirmed(key, error);
        });
      } catch (error) {
        // amqplib throws synchronously on oversized headers (RangeError) or a closed channel.
        this.#pending.delete(key);
        if (call !== undefined) this.#calls.delete(call);
        reject(
          error instanceof RangeError
            ? new TurnqError('MESSAGE_TOO_LARGE', { message: `message headers too large: ${error.message}` })
            : new TurnqError('TRANSPORT_UNAVAILABLE', { message: String(error), cause: error }),
        );
      }
    });
  }

  /** Tracks the call a publish makes (see `awaitsReply`); its message id, or undefined. */
  #track(options: PublishOptions): string | undefined {
    const awaits = options.awaitsReply;
    const onReply = awaits === undefined ? undefined : this.#endpoints.get(awaits.address);
    if (awaits === undefined || onReply === undefined || options.messageId === undefined) return undefined;
    this.#calls.set(options.messageId, { onReply, deadline: awaits.deadline });
    return options.messageId;
  }

  /** Publishes without a confirm (replies, control): resolves once handed to the connection. */
  publishUnconfirmed(routingKey: string, message: WireMessage, options: { correlationId?: string }, exchange = ''): Promise<void> {
    const channel = this.#plain;
    if (channel === undefined) {
      return Promise.reject(new TurnqError(this.#connection.closed ? 'TRANSPORT_CLOSED' : 'TRANSPORT_UNAVAILABLE'));
    }
    const properties: amqp.Options.Publish = { contentType: 'application/json' };
    // No empty header table on the wire (a reply has none).
    for (const _ in message.headers) {
      properties.headers = message.headers;
      break;
    }
    if (options.correlationId !== undefined) properties.correlationId = options.correlationId;
    try {
      channel.publish(exchange, routingKey, bodyBytes(message.body), properties);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(new TurnqError('TRANSPORT_UNAVAILABLE', { message: String(error), cause: error }));
    }
  }

  #confirmed(key: string, error: unknown): void {
    const entry = this.#pending.take(key);
    if (entry === undefined) return;
    const failed = (error !== null && error !== undefined) || entry.returned;
    if (failed && entry.call !== undefined) this.#calls.delete(entry.call);
    if (error !== null && error !== undefined)
      entry.reject(
        new TurnqError('PUBLISH_FAILED', {
          message: `the broker did not confirm the message: ${error instanceof Error ? error.message : 'nack'}`,
          cause: error,
        }),
      );
    else if (entry.returned) entry.reject(entry.unroutable?.() ?? new TurnqError('PUBLISH_UNROUTABLE'));
    else entry.resolve();
  }

  // ---- replies ----

  addEndpoint(address: string, onReply: (reply: Reply) => void): void {
    this.#endpoints.set(address, onReply);
  }

  removeEndpoint(address: string): void {
    const onReply = this.#endpoints.get(address);
    this.#endpoints.delete(address);
    for (const [id, call] of this.#calls.entries()) if (call.onReply === onReply) this.#calls.delete(id);
  }

  #onReply(message: amqp.Message): void {
    let reply: Reply;
    try {
      reply = decodeReply(replyWireOf(message));
    } catch (error) {
      this.#logger.warn({ err: error }, 'undecodable reply dropped');
      return;
    }
    const call = this.#calls.take(reply.correlationId);
    if (call !== undefined) {
      call.onReply(reply);
      return;
    }
    // A reply to a call published without tracking (publishRaw): every endpoint ignores ids it does not wait for.
    for (const endpoint of this.#endpoints.values()) endpoint(reply);
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, call] of this.#calls.entries()) if (call.deadline < now - 1000) this.#calls.delete(id);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
