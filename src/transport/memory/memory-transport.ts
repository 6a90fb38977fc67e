/**
 * The embedded default transport: everything in one process, no server. Messages go through the same
 * codec as on the brokers (so arguments and results are JSON-copied, and invalid messages are
 * dead-lettered the same way), and shard queues keep the brokers' semantics: one active consumer, a
 * prefetch window, redelivery of unacked messages when a consumer goes away.
 */
import { TurnqError } from '../../errors/turnq-error.js';
import { decodeDelivered, type WireMessage } from '../../protocol/codec.js';
import { actorKey, type ControlMessage, type Invocation, type Reply } from '../../protocol/invocation.js';
import { names } from '../../protocol/sharding.js';
import { HeldList } from '../held-list.js';
import type { ConsumeSpec, Delivery, PublishRoute, ReplyEndpoint, Subscription, Transport } from '../transport.js';
import { MemoryBroker, type MemoryConsumer, type MemoryQueue, type QueuedMessage } from './memory-broker.js';
import { MemoryDelivery, recordDeadLetter, settleEntry, type ConsumerBinding } from './memory-delivery.js';

/**
 * Copies a value the way a broker would (through JSON), refusing what exceeds `maxBytes`. Arrays of
 * short primitives, the common case of arguments, are copied without a JSON round trip.
 */
function jsonCopy(value: unknown, maxBytes: number | undefined): unknown {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') {
    return typeof value === 'number' && !Number.isFinite(value) ? null : (value ?? null);
  }
  if (Array.isArray(value) && isShortFlat(value)) return value.slice();
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  if (maxBytes !== undefined && text.length > maxBytes) {
    throw new TurnqError('MESSAGE_TOO_LARGE', { message: `payload of ${text.length} characters exceeds the limit of ${maxBytes} bytes` });
  }
  return JSON.parse(text);
}

/** At most 8 finite numbers, booleans, nulls and short strings: JSON would copy them unchanged. */
function isShortFlat(values: readonly unknown[]): boolean {
  if (values.length > 8) return false;
  for (const v of values) {
    const ok =
      (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || v === null || (typeof v === 'string' && v.length < 256);
    if (!ok) return false;
  }
  return true;
}

/** An ok reply as the client receives it: copied only when JSON changes its result. */
function copyResult(reply: Reply, maxBytes: number | undefined): Reply {
  const result = jsonCopy(reply.result, maxBytes);
  return result === reply.result ? reply : { ...reply, result };
}

export interface MemoryTransportOptions {
  broker?: MemoryBroker;
  namespace?: string;
  maxMessageBytes?: number;
}

export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly broker: MemoryBroker;
  readonly namespace: string;
  readonly #maxBytes: number | undefined;
  #closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.namespace = options.namespace ?? 'turnq';
    this.#maxBytes = options.maxMessageBytes;
  }

  /** Shard queues once found, per type (they are never deleted): no name to build per publish. */
  readonly #shardQueues = new Map<string, MemoryQueue[]>();

  #shardQueue(type: string, shard: number): MemoryQueue | undefined {
    let queues = this.#shardQueues.get(type);
    const known = queues?.[shard];
    if (known !== undefined) return known;
    const queue = this.broker.queues.get(names.shard(this.namespace, type, shard));
    if (queue === undefined) return undefined;
    if (queues === undefined) {
      queues = [];
      this.#shardQueues.set(type, queues);
    }
    queues[shard] = queue;
    return queue;
  }

  #checkOpen(): void {
    if (this.#closed) throw new TurnqError('TRANSPORT_CLOSED');
  }

  publish(invocation: Invocation, route: PublishRoute): Promise<void> | undefined {
    this.#checkOpen();
    const queue =
      route.lane === 'shard'
        ? this.#shardQueue(invocation.actorType, route.shard)
        : this.broker.queues.get(names.lane(this.namespace, route.worker));
    if (queue === undefined) {
      return Promise.reject(
        route.lane === 'shard'
          ? new TurnqError('ACTOR_TYPE_UNKNOWN', {
              message: `no worker hosts actor type ${invocation.actorType}`,
              actor: actorKey(invocation.actorType, invocation.actorId),
            })
          : new TurnqError('PUBLISH_UNROUTABLE', { message: `priority lane of worker ${route.worker} is gone` }),
      );
    }
    let args: unknown[];
    try {
      args = jsonCopy(invocation.args, this.#maxBytes) as unknown[];
    } catch (error) {
      return Promise.reject(
        error instanceof TurnqError
          ? error
          : new TurnqError('MESSAGE_UNDECODABLE', { message: `arguments are not JSON-serializable: ${String(error)}` }),
      );
    }
    this.broker.enqueue(queue, undefined, { ...invocation, args });
    return undefined;
  }

  publishRaw(queueName: string, message: WireMessage): Promise<void> {
    this.#checkOpen();
    const queue = this.broker.queues.get(queueName);
    if (queue === undefined) return Promise.reject(new TurnqError('PUBLISH_UNROUTABLE', { message: `no queue ${queueName}` }));
    this.broker.enqueue(queue, message);
    return Promise.resolve();
  }

  openReplies(clientId: string, onReply: (reply: Reply) => void): Promise<ReplyEndpoint> {
    this.#checkOpen();
    const address = names.reply(this.namespace, clientId);
    this.broker.replyEndpoints.set(address, onReply);
    return Promise.resolve({
      address,
      close: () => {
        this.broker.replyEndpoints.delete(address);
        return Promise.resolve();
      },
    });
  }

  /**
   * Hands the reply to the client at once: resolving the caller's promise defers its continuation
   * anyway, so nothing of the caller runs inside the worker's turn.
   */
  sendReply(address: string, reply: Reply): void {
    const endpoint = this.broker.replyEndpoints.get(address);
    // A reply to a client that is gone has nobody waiting for it; dropping it is what a broker does too.
    if (endpoint === undefined) return;
    let copy: Reply;
    try {
      copy = reply.status === 'ok' ? copyResult(reply, this.#maxBytes) : reply;
    } catch (error) {
      const coded =
        error instanceof TurnqError
          ? error
          : new TurnqError('MESSAGE_UNDECODABLE', { message: `result is not JSON-serializable: ${String(error)}` });
      copy = { correlationId: reply.correlationId, status: 'error', error: coded.toWire() };
    }
    endpoint(copy);
  }

  broadcast(message: ControlMessage): Promise<void> {
    this.#checkOpen();
    for (const listener of this.broker.controlListeners) {
      queueMicrotask(() => {
        listener(message);
      });
    }
    return Promise.resolve();
  }

  consume(spec: ConsumeSpec): Promise<Subscription> {
    this.#checkOpen();
    const attached: { queue: MemoryQueue; consumer: MemoryConsumer }[] = [];
    const onDeadLetter = spec.onDeadLetter?.bind(spec);
    const attach = (queue: MemoryQueue, prefetch: number, lane: Delivery['lane']): void => {
      const consumer: MemoryConsumer = {
        inFlight: 0,
        prefetch,
        unacked: new HeldList<QueuedMessage>(),
        deliver: (entry) => {
          this.#deliver(binding, entry, spec);
        },
      };
      const binding: ConsumerBinding = { queue, consumer, broker: this.broker, lane, onDeadLetter };
      queue.consumers.push(consumer);
      attached.push({ queue, consumer });
      queue.schedule();
    };
    for (const { type, shards } of spec.types) {
      for (let shard = 0; shard < shards; shard++) {
        attach(this.broker.declare(names.shard(this.namespace, type, shard)), spec.prefetch, 'shard');
      }
    }
    const laneName = names.lane(this.namespace, spec.workerId);
    attach(this.broker.declare(laneName), Number.POSITIVE_INFINITY, 'priority');
    const onControl = (message: ControlMessage): void => {
      spec.onControl(message);
    };
    this.broker.controlListeners.add(onControl);
    return Promise.resolve({
      close: () => {
        this.broker.controlListeners.delete(onControl);
        for (const { queue, consumer } of attached) {
          const index = queue.consumers.indexOf(consumer);
          if (index >= 0) queue.consumers.splice(index, 1);
          queue.returnToFront(consumer.unacked.takeAll());
        }
        this.broker.queues.delete(laneName);
        return Promise.resolve();
      },
    });
  }

  #deliver(binding: ConsumerBinding, entry: QueuedMessage, spec: ConsumeSpec): void {
    let invocation = entry.invocation;
    if (invocation === undefined) {
      const message = entry.message as WireMessage;
      const decoded = decodeDelivered(message, this.#maxBytes);
      if (!decoded.ok) {
        if (decoded.reply !== undefined) this.sendReply(decoded.reply.address, decoded.reply.reply);
        if (settleEntry(binding, entry, false)) recordDeadLetter(binding, message, decoded.error);
        return;
      }
      invocation = decoded.invocation;
    }
    spec.onDelivery(new MemoryDelivery(invocation, binding, entry));
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
