/**
 * The transport contract. The scheduler (src/runtime) talks only to this interface; memory, RabbitMQ
 * and BullMQ implement it. Conformance: test/conformance runs the same suite against every transport.
 *
 * Topology every transport provides (names in docs/protocol.md):
 * - shard queues: `<ns>.shard.<Type>.<n>`, each consumed by exactly one worker at a time;
 * - a priority lane per worker: `<ns>.lane.<worker>`, consumed apart from the shard queues so that a
 *   reentrant call is delivered even when every shard window is full;
 * - a reply address per client;
 * - a control channel every worker hears (cancellations);
 * - a dead-letter place where undecodable and invalid messages land with their reason.
 */
import type { TurnqError } from '../errors/turnq-error.js';
import type { WireMessage } from '../protocol/codec.js';
import type { Fence, ListPush } from '../state/state-store.js';
import type { ControlMessage, Invocation, Lane, Reply, Route } from '../protocol/invocation.js';

/** Where an invocation is published: a shard queue (computed by the caller) or a worker's lane. */
export type PublishRoute = { readonly lane: 'shard'; readonly shard: number } | Extract<Route, { lane: 'priority' }>;

/** One delivered invocation. Exactly one of ack, requeue or deadLetter ends it. */
export interface Delivery {
  readonly invocation: Invocation;
  readonly lane: Lane;
  /** The broker's count of earlier deliveries of this message (0 on first delivery), when known. */
  readonly redeliveries: number;
  /** Ownership proof of the shard this came from, for stores that fence stale owners. */
  readonly fence?: Fence;
  /** Done: the turn finished and its state is saved. */
  ack(): void;
  /** Give it back to its queue for the next owner (used while draining). */
  requeue(): void;
  /** Move it to the dead-letter place with the error's code and message as reason. */
  deadLetter(error: TurnqError): void;
  /**
   * The message waits for a locked actor: it must stop counting against the consumer's window, so that
   * runnable messages (and the chain holding the lock) keep flowing. `unpark` when it becomes runnable.
   */
  park(): void;
  unpark(): void;
}

export interface ShardSubscription {
  readonly type: string;
  readonly shards: number;
}

export interface ConsumeSpec {
  readonly workerId: string;
  readonly types: readonly ShardSubscription[];
  /** Runnable (unparked) unacknowledged messages per shard queue. */
  readonly prefetch: number;
  onDelivery(delivery: Delivery): void;
  onControl(message: ControlMessage): void;
  /** A message the transport could not decode was dead-lettered (reported for events and logs). */
  onDeadLetter?(code: string, reason: string): void;
}

export interface Subscription {
  /**
   * Stop consuming. Every delivery not yet acked goes back to its queue, in order, for the next owner
   * of the shard; the lane stops too.
   */
  close(): Promise<void>;
}

export interface ReplyEndpoint {
  readonly address: string;
  close(): Promise<void>;
}

export interface Transport {
  /** `memory`, `amqp` or `redis`. */
  readonly kind: string;
  /**
   * Publish an invocation; resolves once the broker has it (confirmed and routed). Rejects with
   * ACTOR_TYPE_UNKNOWN when no shard queue exists for the type, PUBLISH_UNROUTABLE when a lane is gone,
   * PUBLISH_FAILED or TRANSPORT_UNAVAILABLE otherwise. A transport that takes the message synchronously
   * (memory) returns nothing once it has it, which spares every call a promise.
   */
  publish(invocation: Invocation, route: PublishRoute): Promise<void> | void;
  /** Open this client's reply address; replies to it are handed to `onReply`. */
  openReplies(clientId: string, onReply: (reply: Reply) => void): Promise<ReplyEndpoint>;
  /** Send a reply; a transport that hands it over synchronously (memory) returns nothing. */
  sendReply(address: string, reply: Reply): Promise<void> | void;
  /**
   * The reply as the list push that `sendReply` would make, for a state store that can make it with
   * the save of the turn (StateWrite.push): transports whose reply addresses are lists on a server a
   * store may share (BullMQ). Absent or undefined: the reply goes through `sendReply`.
   */
  replyAsPush?(address: string, reply: Reply): ListPush | undefined;
  consume(spec: ConsumeSpec): Promise<Subscription>;
  /** Send to the control channel of every worker. */
  broadcast(message: ControlMessage): Promise<void>;
  /** Publish an already encoded message to a queue by name, as a foreign publisher would. */
  publishRaw(queue: string, message: WireMessage): Promise<void>;
  close(): Promise<void>;
}
