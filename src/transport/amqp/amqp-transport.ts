/**
 * The RabbitMQ transport (amqplib). One connection per transport (reconnecting, see
 * amqp-connection.ts), one confirm channel for every publish and for direct reply-to
 * (amqp-publisher.ts), and per `consume` a subscription with its own channels (amqp-consumer.ts).
 * Topology and arguments: amqp-topology.ts and docs/protocol.md.
 *
 * Publishes:
 * - invocations to `""` with routing key `<ns>.shard.<Type>.<n>` (persistent) or `<ns>.lane.<worker>`
 *   (transient), `mandatory`, AMQP `message_id` = the invocation's id, `type` = its method, `reply_to` =
 *   `amq.rabbitmq.reply-to` for calls; returned → ACTOR_TYPE_UNKNOWN (shard) / PUBLISH_UNROUTABLE (lane);
 * - replies to the caller's direct reply-to address, `correlation_id` = the invocation's id;
 * - control messages (JSON) to the fanout exchange `<ns>.control`.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { TurnqError } from '../../errors/turnq-error.js';
import type { WireMessage } from '../../protocol/codec.js';
import { actorKey, type ControlMessage, type Invocation, type Reply } from '../../protocol/invocation.js';
import { names } from '../../protocol/sharding.js';
import type { TransportSettings } from '../create-transport.js';
import { transportLogger } from '../transport-logger.js';
import type { ConsumeSpec, PublishRoute, ReplyEndpoint, Subscription, Transport } from '../transport.js';
import { AmqpConnection } from './amqp-connection.js';
import { AmqpSubscription } from './amqp-consumer.js';
import { AmqpPublisher } from './amqp-publisher.js';
import { DIRECT_REPLY_TO, declareControlExchange } from './amqp-topology.js';
import { invocationMessage, replyMessage } from './amqp-wire.js';

export interface AmqpTransportOptions {
  /** Label in the connection name `turnq:<ns>:<label>:<random>` (default `process`). */
  label?: string;
}

class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  readonly connection: AmqpConnection;
  readonly #settings: TransportSettings;
  readonly #logger: Logger;
  readonly #publisher: AmqpPublisher;
  readonly #subscriptions = new Set<AmqpSubscription>();
  #controlDeclared: Promise<void> | undefined;
  #closed = false;

  constructor(url: string, settings: TransportSettings, options: AmqpTransportOptions) {
    this.#settings = settings;
    this.#logger = transportLogger(settings, 'amqp-transport');
    const name = `turnq:${settings.namespace}:${options.label ?? 'process'}:${randomBytes(4).toString('hex')}`;
    this.connection = new AmqpConnection({ url, connectionName: name, logger: this.#logger });
    this.#publisher = new AmqpPublisher(this.connection, this.#logger);
  }

  async open(): Promise<void> {
    await this.connection.use(this.#publisher);
    await this.connection.open();
  }

  #checkOpen(): void {
    if (this.#closed) throw new TurnqError('TRANSPORT_CLOSED');
  }

  publish(invocation: Invocation, route: PublishRoute): Promise<void> {
    if (this.#closed) return Promise.reject(new TurnqError('TRANSPORT_CLOSED'));
    const ns = this.#settings.namespace;
    const shard = route.lane === 'shard';
    const queue = shard ? names.shard(ns, invocation.actorType, route.shard) : names.lane(ns, route.worker);
    // The RabbitMQ mapping of the headers (amqp-wire.ts): message id in `message_id`, method in `type`,
    // reply address in `reply_to`, no actor type on a shard queue (the queue names it).
    const message = invocationMessage(invocation, shard);
    return this.#publisher.publish(queue, message, {
      persistent: shard,
      mandatory: true,
      messageId: invocation.messageId,
      type: invocation.method,
      ...(invocation.replyTo === undefined
        ? {}
        : { replyTo: DIRECT_REPLY_TO, awaitsReply: { address: invocation.replyTo, deadline: invocation.deadline } }),
      unroutable: () =>
        shard
          ? new TurnqError('ACTOR_TYPE_UNKNOWN', {
              actor: actorKey(invocation.actorType, invocation.actorId),
              message: `no worker hosts actor type ${invocation.actorType} (no queue ${queue})`,
            })
          : new TurnqError('PUBLISH_UNROUTABLE', {
              actor: actorKey(invocation.actorType, invocation.actorId),
              message: `priority lane of worker ${route.lane === 'priority' ? route.worker : ''} is gone`,
            }),
    });
  }

  publishRaw(queue: string, message: WireMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new TurnqError('TRANSPORT_CLOSED'));
    return this.#publisher.publish(queue, message, {
      persistent: true,
      mandatory: true,
      unroutable: () => new TurnqError('PUBLISH_UNROUTABLE', { message: `no queue ${queue}` }),
    });
  }

  openReplies(clientId: string, onReply: (reply: Reply) => void): Promise<ReplyEndpoint> {
    this.#checkOpen();
    // Every client of this transport shares the channel's direct reply-to; the address the invocation
    // carries is per client so that the transport knows which client a reply is for.
    const address = `${DIRECT_REPLY_TO}#${clientId}`;
    this.#publisher.addEndpoint(address, onReply);
    return Promise.resolve({
      address,
      close: () => {
        this.#publisher.removeEndpoint(address);
        return Promise.resolve();
      },
    });
  }

  sendReply(address: string, reply: Reply): Promise<void> {
    if (this.#closed) return Promise.reject(new TurnqError('TRANSPORT_CLOSED'));
    // No mandatory flag: a reply to a caller that is gone has nobody waiting for it.
    return this.#publisher.publishUnconfirmed(address, replyMessage(reply), { correlationId: reply.correlationId });
  }

  broadcast(message: ControlMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new TurnqError('TRANSPORT_CLOSED'));
    const exchange = names.control(this.#settings.namespace);
    // A failed declaration is not kept: the next broadcast tries again.
    this.#controlDeclared ??= this.#declareControl().catch((error: unknown) => {
      this.#controlDeclared = undefined;
      throw error;
    });
    return this.#controlDeclared.then(() =>
      this.#publisher.publishUnconfirmed('', { headers: {}, body: JSON.stringify(message) }, {}, exchange),
    );
  }

  async #declareControl(): Promise<void> {
    const connection = this.connection.current;
    if (connection === undefined) throw new TurnqError('TRANSPORT_UNAVAILABLE');
    const channel = await connection.createChannel();
    try {
      await declareControlExchange(channel, this.#settings.namespace);
    } finally {
      await channel.close();
    }
  }

  async consume(spec: ConsumeSpec): Promise<Subscription> {
    this.#checkOpen();
    const subscription = new AmqpSubscription(
      {
        namespace: this.#settings.namespace,
        maxMessageBytes: this.#settings.maxMessageBytes,
        connection: this.connection,
        publisher: this.#publisher,
        logger: this.#logger,
        sendReply: (address, reply) => this.sendReply(address, reply),
      },
      spec,
    );
    this.#subscriptions.add(subscription);
    await this.connection.use(subscription);
    return {
      close: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    this.#publisher.close();
    await this.connection.close();
  }
}

/** The connection of a RabbitMQ transport (tests wait on its `nextUp()`), undefined for other transports. */
export function amqpConnectionOf(transport: Transport): AmqpConnection | undefined {
  return transport instanceof AmqpTransport ? transport.connection : undefined;
}

/** RabbitMQ transport: connects (rejecting with TRANSPORT_UNAVAILABLE when the broker is unreachable). */
export async function createAmqpTransport(
  url: string,
  settings: TransportSettings,
  options: AmqpTransportOptions = {},
): Promise<Transport> {
  const transport = new AmqpTransport(url, settings, options);
  await transport.open();
  return transport;
}
