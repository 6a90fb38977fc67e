/**
 * The RPC-over-queue client: root calls and one-way sends from outside any actor, and (through
 * `invoke`) the nested calls actors make. Each pending call waits for the reply with its correlation id
 * on this client's reply address, for its deadline at most.
 */
import type { ActorProxy, CallOptions, OneWayProxy } from '../actor/actor-types.js';
import { parseDuration } from '../config/duration.js';
import { TurnqError } from '../errors/turnq-error.js';
import { IdMap } from '../protocol/id-map.js';
import { randomId } from '../protocol/ids.js';
import { actorKey, createInvocation, ROOT_STACK, type Invocation, type InvocationChain, type Reply } from '../protocol/invocation.js';
import { shardOf } from '../protocol/sharding.js';
import type { PublishRoute, ReplyEndpoint, Transport } from '../transport/transport.js';
import type { Logger } from 'pino';
import { silentLogger } from '../logging/logger.js';
import { createProxy } from './actor-proxy.js';
import { DeadlineTimer } from './deadline-timer.js';

export interface ClientOptions {
  transport: Transport;
  /** Shard count of an actor type (the same function the workers use). */
  shardsFor: (type: string) => number;
  /** Default call timeout, milliseconds. */
  callTimeout?: number;
  clientId?: string;
  /** Where the client reports what it cannot hand to a caller (e.g. a cancellation not delivered). */
  logger?: Logger;
}

/** A caller waiting for a call's end: the promise's settlers and what to undo then (its abort listener). */
interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup: (() => void) | undefined;
}

interface Pending extends Waiter {
  bucket: number;
  /** The call (its actor key is built only for an error). */
  invocation: Invocation;
  /** Calls made with the same message id while this one waits: they end with it (see `invoke`). */
  joined: Waiter[] | undefined;
}

function endWaiter(waiter: Waiter, error: TurnqError | undefined, result: unknown): void {
  waiter.cleanup?.();
  if (error === undefined) waiter.resolve(result);
  else waiter.reject(error);
}

/** Calls `onAbort` once when `signal` aborts; returns what removes the listener. */
function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
  };
}

/** The actor key of a call (built only for an error or a log line). */
function keyOf(invocation: Invocation): string {
  return actorKey(invocation.actorType, invocation.actorId);
}

export class Client {
  readonly clientId: string;
  readonly #transport: Transport;
  readonly #shardsFor: (type: string) => number;
  readonly #callTimeout: number;
  readonly #logger: Logger;
  /** Calls waiting for their reply, by message id (an IdMap, not a Map: see id-map.ts). */
  readonly #pending = new IdMap<Pending>();
  /**
   * Deadlines by message id. A bucket may still hold the id of a call that ended, and a retry may reuse
   * that id: an id is live in a bucket only while its pending call is the one that bucket was made for.
   */
  readonly #deadlines = new DeadlineTimer<string>(
    (id) => {
      const invocation = this.#pending.get(id)?.invocation;
      if (invocation === undefined) return;
      const actor = keyOf(invocation);
      this.#settle(id, new TurnqError('DEADLINE_EXCEEDED', { actor, message: `call ${actor}.${invocation.method} exceeded its deadline` }));
    },
    (id, bucket) => this.#pending.get(id)?.bucket === bucket,
  );
  /**
   * Holds the event loop open while calls wait (the deadline timer itself does not): one timer for the
   * client's life, referenced only while a call waits.
   */
  #keepAlive: NodeJS.Timeout | undefined;
  #endpoint: Promise<ReplyEndpoint> | undefined;
  /** The reply address once the endpoint is open (saves a promise hop per call). */
  #address: string | undefined;
  #closed = false;

  constructor(options: ClientOptions) {
    this.#transport = options.transport;
    this.#shardsFor = options.shardsFor;
    this.#callTimeout = options.callTimeout ?? 30_000;
    this.clientId = options.clientId ?? randomId();
    this.#logger = options.logger ?? silentLogger;
  }

  /** Opens the reply address (done by the first call otherwise). */
  async start(): Promise<string> {
    return (await this.#replies()).address;
  }

  #replies(): Promise<ReplyEndpoint> {
    this.#endpoint ??= this.#transport
      .openReplies(this.clientId, (reply) => {
        this.#onReply(reply);
      })
      .then((endpoint) => {
        this.#address = endpoint.address;
        return endpoint;
      });
    return this.#endpoint;
  }

  /** `client.actor<Counter>('Counter', '42').add(1)`: resolves with the result or rejects with a TurnqError. */
  actor<T>(type: string, id: string, options?: CallOptions): ActorProxy<T> {
    return createProxy<ActorProxy<T>>((method, args) => this.call(type, id, method, args, options));
  }

  /** One-way: resolves once the transport accepted the message; the target runs in its own chain. */
  send<T>(type: string, id: string, options?: CallOptions): OneWayProxy<T> {
    return createProxy<OneWayProxy<T>>((method, args) => this.sendOneWay(type, id, method, args, options));
  }

  /** The reply address, once the client is started. */
  get replyAddress(): string | undefined {
    return this.#address;
  }

  /** A root call: starts a new call chain. */
  call(type: string, id: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown> {
    const invocation = createInvocation({ actorType: type, actorId: id, method, args }, this.#rootChain(options), this.#address);
    return this.invoke(invocation, { lane: 'shard', shard: this.shardOf(type, id) }, options?.signal);
  }

  /** One-way root send: no reply address, nothing waits for the target. */
  async sendOneWay(type: string, id: string, method: string, args: unknown[], options?: CallOptions): Promise<void> {
    this.#checkOpen();
    const invocation = createInvocation({ actorType: type, actorId: id, method, args }, this.#rootChain(options), undefined);
    await this.#transport.publish(invocation, { lane: 'shard', shard: this.shardOf(type, id) });
  }

  #rootChain(options: CallOptions | undefined): InvocationChain {
    return {
      messageId: options?.messageId ?? randomId(),
      reentrancyId: randomId(),
      stack: ROOT_STACK,
      deadline: Date.now() + this.timeoutOf(options),
    };
  }

  timeoutOf(options: CallOptions | undefined): number {
    const timeout = options?.timeout;
    return timeout === undefined ? this.#callTimeout : parseDuration(timeout, 'timeout');
  }

  shardOf(type: string, id: string): number {
    return shardOf(id, this.#shardsFor(type));
  }

  /**
   * Publishes a built invocation and waits for its reply until its deadline. `replyTo` is set to this
   * client's address (pass it already set, from `replyAddress`, to save a copy). Used for root calls and
   * for the nested calls of actors.
   */
  invoke(invocation: Invocation, route: PublishRoute, signal?: AbortSignal): Promise<unknown> {
    if (this.#closed) return Promise.reject(new TurnqError('TRANSPORT_CLOSED'));
    if (signal?.aborted === true) return Promise.reject(new TurnqError('CALL_CANCELLED', { actor: keyOf(invocation) }));
    const waiting = this.#pending.get(invocation.messageId);
    if (waiting !== undefined) return this.#join(waiting, invocation, signal);
    return new Promise<unknown>((resolve, reject) => {
      const id = invocation.messageId;
      const pending: Pending = {
        resolve,
        reject,
        invocation,
        cleanup: undefined,
        bucket: 0,
        joined: undefined,
      };
      if (this.#pending.size === 0) this.#holdOpen(true);
      this.#pending.set(id, pending);
      pending.bucket = this.#deadlines.add(id, invocation.deadline);
      if (signal !== undefined) {
        pending.cleanup = whenAborted(signal, () => {
          if (this.#settle(id, new TurnqError('CALL_CANCELLED', { actor: keyOf(invocation) }))) {
            this.#transport
              .broadcast({
                kind: 'cancel',
                messageId: id,
                actorType: invocation.actorType,
                actorId: invocation.actorId,
                deadline: invocation.deadline,
              })
              // Best effort: a cancellation that does not arrive still ends at the call's deadline.
              .catch((error: unknown) => {
                this.#logger.warn(
                  { err: error, messageId: id, actor: keyOf(invocation) },
                  'cancellation not delivered; the call ends at its deadline',
                );
              });
          }
        });
      }
      const address = this.#address;
      let published: Promise<void> | void;
      try {
        published =
          address === undefined
            ? this.#replies().then((endpoint) => this.#transport.publish({ ...invocation, replyTo: endpoint.address }, route))
            : this.#transport.publish(invocation.replyTo === address ? invocation : { ...invocation, replyTo: address }, route);
      } catch (error) {
        // A transport that refuses synchronously (closed): the call ends now, like a rejected publish.
        published = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      // A transport that took the message synchronously returned nothing: nothing can fail later.
      published?.catch((error: unknown) => {
        this.#settle(
          id,
          error instanceof TurnqError
            ? error
            : new TurnqError('PUBLISH_FAILED', { actor: keyOf(invocation), cause: error, message: String(error) }),
        );
      });
    });
  }

  #onReply(reply: Reply): void {
    if (reply.status === 'ok') {
      this.#settle(reply.correlationId, undefined, reply.result);
    } else if (reply.error !== undefined) {
      this.#settle(reply.correlationId, TurnqError.fromWire(reply.error));
    }
  }

  /** Ends a pending call once; returns false if it had already ended. */
  #settle(id: string, error: TurnqError | undefined, result?: unknown): boolean {
    const pending = this.#pending.take(id);
    if (pending === undefined) return false;
    this.#deadlines.settled(pending.bucket);
    if (this.#pending.size === 0) this.#holdOpen(false);
    endWaiter(pending, error, result);
    if (pending.joined !== undefined) for (const call of pending.joined) endWaiter(call, error, result);
    return true;
  }

  /**
   * A call with the message id of a call of this client still waiting: the same invocation asked for
   * again (a retry that did not wait for the first to end). It ends with that call, which owns the
   * message, the deadline and the reply; nothing is published again. Its own signal cancels only it.
   */
  #join(waiting: Pending, invocation: Invocation, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const call: Waiter = { resolve, reject, cleanup: undefined };
      (waiting.joined ??= []).push(call);
      if (signal === undefined) return;
      call.cleanup = whenAborted(signal, () => {
        const index = waiting.joined?.indexOf(call) ?? -1;
        if (index < 0) return;
        waiting.joined?.splice(index, 1);
        reject(new TurnqError('CALL_CANCELLED', { actor: keyOf(invocation) }));
      });
    });
  }

  #holdOpen(hold: boolean): void {
    if (hold) (this.#keepAlive ??= setInterval(() => undefined, 1 << 30)).ref();
    else this.#keepAlive?.unref();
  }

  get pendingCalls(): number {
    return this.#pending.size;
  }

  #checkOpen(): void {
    if (this.#closed) throw new TurnqError('TRANSPORT_CLOSED');
  }

  /** Fails the calls still waiting with TRANSPORT_CLOSED and closes the reply address. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of this.#pending.keys()) this.#settle(id, new TurnqError('TRANSPORT_CLOSED'));
    this.#deadlines.clear();
    clearInterval(this.#keepAlive);
    if (this.#endpoint !== undefined) await (await this.#endpoint).close();
  }
}
