/**
 * The worker side of turnq: consumes the shard queues of the actor types it hosts and its own priority
 * lane, routes each delivery to the activation of its actor (creating it on first call), answers
 * invalid messages and dead-letters them, collects idle activations, and drains on stop.
 */
import type { Logger } from 'pino';
import type { ActorRegistry, ActorTypeEntry } from '../actor/actor-registry.js';
import { Client } from '../client/client.js';
import type { ActorTypeSettings } from '../config/config-schema.js';
import { settingsFor, type ResolvedConfig } from '../config/load-config.js';
import { TurnqError } from '../errors/turnq-error.js';
import { RuntimeEvents } from '../events/runtime-events.js';
import { silentLogger } from '../logging/logger.js';
import { randomId } from '../protocol/ids.js';
import { actorKey, createInvocation, NO_DEADLINE, type ControlMessage, type Reply } from '../protocol/invocation.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { ListPush, StateStore } from '../state/state-store.js';
import type { Delivery, PublishRoute, Subscription, Transport } from '../transport/transport.js';
import { Activation } from './activation.js';
import { idKey } from './handled-record.js';
import type { HostContext, OutboundCall } from './host-context.js';
import type { TurnContext } from './turn-context.js';

/** `type -> shard count` from the config, computed once per type. */
export function shardCounter(config: ResolvedConfig): (type: string) => number {
  const cache = new Map<string, number>();
  return (type) => {
    let shards = cache.get(type);
    if (shards === undefined) {
      shards = settingsFor(config, type).shards;
      cache.set(type, shards);
    }
    return shards;
  };
}

export interface ActorHostOptions {
  config: ResolvedConfig;
  transport: Transport;
  registry: ActorRegistry;
  store?: StateStore;
  logger?: Logger;
  workerId?: string;
  /** Client for the actors' outgoing calls; one on the same transport is made otherwise. */
  client?: Client;
}

interface HostedType {
  readonly entry: ActorTypeEntry;
  readonly settings: ActorTypeSettings;
  /** Activations of this type by actor id (no key string to build per delivery). */
  readonly activations: Map<string, Activation>;
}

export class ActorHost implements HostContext {
  readonly workerId: string;
  readonly logger: Logger;
  readonly events = new RuntimeEvents();
  readonly store: StateStore;
  readonly client: Client;
  readonly config: ResolvedConfig;
  draining = false;

  readonly #transport: Transport;
  readonly #types = new Map<string, HostedType>();
  /** Cancelled message ids not yet seen, with the deadline after which they can be forgotten. */
  readonly #cancelled = new Map<string, number>();
  /** Locks held per chain on this worker, counted once draining starts. */
  readonly #chains = new Map<string, number>();
  #subscription: Subscription | undefined;
  #scanTimer: NodeJS.Timeout | undefined;
  #quietWaiter: (() => void) | undefined;
  #stopped: Promise<void> | undefined;
  #turnCounter = 0;
  /** Whether the store can push the transport's replies with its saves (undefined until first asked). */
  #storePushes: boolean | undefined;

  constructor(options: ActorHostOptions) {
    this.config = options.config;
    this.#transport = options.transport;
    this.workerId = options.workerId ?? `w-${randomId().slice(0, 12)}`;
    this.logger = (options.logger ?? silentLogger).child({ worker: this.workerId });
    this.store = options.store ?? new MemoryStateStore();
    this.client =
      options.client ??
      new Client({
        transport: options.transport,
        shardsFor: shardCounter(this.config),
        callTimeout: this.config.callTimeout,
        logger: this.logger,
      });
    const wanted = this.config.entities.length > 0 ? this.config.entities : options.registry.types();
    for (const type of wanted) {
      const entry = options.registry.get(type);
      if (entry === undefined)
        throw new TurnqError('CONFIG_INVALID', {
          message: `entities: actor type ${type} is in none of the registered actors (modules)`,
          details: { key: 'entities', value: type },
        });
      this.#types.set(type, { entry, settings: settingsFor(this.config, type), activations: new Map() });
    }
  }

  get hostedTypes(): string[] {
    return [...this.#types.keys()];
  }

  get activationCount(): number {
    let count = 0;
    for (const hosted of this.#types.values()) count += hosted.activations.size;
    return count;
  }

  /** Every activation of every hosted type. */
  *#allActivations(): Generator<Activation> {
    for (const hosted of this.#types.values()) yield* hosted.activations.values();
  }

  async start(): Promise<void> {
    await this.client.start();
    this.#subscription = await this.#transport.consume({
      workerId: this.workerId,
      types: [...this.#types.values()].map(({ entry, settings }) => ({ type: entry.type, shards: settings.shards })),
      prefetch: this.config.prefetch,
      onDelivery: (delivery) => {
        this.#onDelivery(delivery);
      },
      onControl: (message) => {
        this.#onControl(message);
      },
      onDeadLetter: (code, reason) => {
        this.logger.warn({ code, reason }, 'message dead-lettered');
        if (this.events.observed) this.events.emit({ type: 'dead-lettered', code, reason, worker: this.workerId });
      },
    });
    this.#scanTimer = setInterval(() => {
      this.collectIdle();
    }, this.config.actorScanInterval).unref();
    this.logger.info({ types: this.hostedTypes, transport: this.#transport.kind }, 'worker started');
  }

  // ---- deliveries ----

  #onDelivery(delivery: Delivery): void {
    const inv = delivery.invocation;
    const hosted = this.#types.get(inv.actorType);
    if (hosted === undefined) {
      this.#invalid(
        delivery,
        new TurnqError('ACTOR_TYPE_UNKNOWN', {
          actor: actorKey(inv.actorType, inv.actorId),
          message: `worker ${this.workerId} does not host actor type ${inv.actorType}`,
        }),
      );
      return;
    }
    if (!hosted.entry.methods.has(inv.method)) {
      this.#invalid(
        delivery,
        new TurnqError('ACTOR_METHOD_UNKNOWN', {
          actor: actorKey(inv.actorType, inv.actorId),
          message: `actor type ${inv.actorType} has no method ${inv.method}`,
        }),
      );
      return;
    }
    const work = { inv, lane: delivery.lane, delivery, timer: undefined, idKey: idKey(inv.messageId) };
    this.#activationFor(hosted, inv.actorId).deliver(work);
  }

  #invalid(delivery: Delivery, error: TurnqError): void {
    const inv = delivery.invocation;
    if (inv.replyTo !== undefined) this.sendReply(inv.replyTo, { correlationId: inv.messageId, status: 'error', error: error.toWire() });
    delivery.deadLetter(error);
    this.logger.warn({ code: error.code, actor: error.actor, method: inv.method }, 'invalid message dead-lettered');
    if (this.events.observed) {
      const event = { type: 'dead-lettered', code: error.code, reason: error.message, worker: this.workerId } as const;
      this.events.emit(error.actor === undefined ? event : { ...event, actor: error.actor });
    }
  }

  #activationFor(hosted: HostedType, id: string): Activation {
    let activation = hosted.activations.get(id);
    if (activation === undefined || activation.status === 'failed' || activation.status === 'gone') {
      activation = new Activation(this, hosted.entry, hosted.settings, id, actorKey(hosted.entry.type, id));
      hosted.activations.set(id, activation);
      void activation.activate();
    }
    return activation;
  }

  #onControl(message: ControlMessage): void {
    if (message.kind !== 'cancel') return;
    const activation = this.#types.get(message.actorType)?.activations.get(message.actorId);
    if (activation?.cancel(message.messageId) !== true && this.#types.has(message.actorType)) {
      // Not here yet (or already running): remember it until its deadline.
      this.#cancelled.set(message.messageId, message.deadline);
    }
  }

  // ---- HostContext ----

  /** The clock for deadlines and idle times; tests move it to make time pass deterministically. */
  clock: () => number = Date.now;

  now(): number {
    return this.clock();
  }

  nextTurnId(): string {
    return (++this.#turnCounter).toString(36);
  }

  sendReply(address: string, reply: Reply): void {
    this.#transport.sendReply(address, reply)?.catch((error: unknown) => {
      this.logger.error({ err: error, correlationId: reply.correlationId }, 'reply not sent');
    });
  }

  replyPush(address: string, reply: Reply): ListPush | undefined {
    if (this.#storePushes === false) return undefined;
    const push = this.#transport.replyAsPush?.(address, reply);
    // The transport's reply server does not change: once the store refuses it, it is not asked again.
    this.#storePushes = push !== undefined && this.store.canPush?.(push) === true;
    return this.#storePushes ? push : undefined;
  }

  isCancelled(messageId: string): boolean {
    return this.#cancelled.size > 0 && this.#cancelled.delete(messageId);
  }

  chainLocked(reentrancyId: string, delta: 1 | -1): void {
    if (!this.draining) return; // only a draining worker asks which chains run
    const count = (this.#chains.get(reentrancyId) ?? 0) + delta;
    if (count > 0) this.#chains.set(reentrancyId, count);
    else this.#chains.delete(reentrancyId);
  }

  isChainActive(reentrancyId: string): boolean {
    return this.#chains.has(reentrancyId);
  }

  outbound(context: TurnContext | undefined, call: OutboundCall): Promise<unknown> {
    const { type, id, method, args, options, oneWay } = call;
    if (oneWay) return this.client.sendOneWay(type, id, method, args, options);
    if (context === undefined) return this.client.call(type, id, method, args, options);
    const stack = [...context.stack, context.frame];
    const key = actorKey(type, id);
    const now = this.now();
    let deadline = options?.timeout === undefined ? context.deadline : Math.min(context.deadline, now + this.client.timeoutOf(options));
    // A chain with no deadline (a timer's) gives its calls the default timeout.
    if (deadline === NO_DEADLINE) deadline = now + this.config.callTimeout;
    let route: PublishRoute = { lane: 'shard', shard: this.client.shardOf(type, id) };
    for (let i = stack.length - 1; i >= 0; i--) {
      const frame = stack[i];
      if (frame?.actor === key) {
        route = { lane: 'priority', worker: frame.worker };
        break;
      }
    }
    const invocation = createInvocation(
      { actorType: type, actorId: id, method, args },
      { messageId: options?.messageId ?? randomId(), reentrancyId: context.reentrancyId, stack, deadline },
      this.client.replyAddress,
    );
    return this.client.invoke(invocation, route, options?.signal);
  }

  settled(): void {
    if (this.#quietWaiter !== undefined && this.#isQuiet()) {
      const resolve = this.#quietWaiter;
      this.#quietWaiter = undefined;
      resolve();
    }
  }

  #isQuiet(): boolean {
    for (const activation of this.#allActivations()) if (activation.locked) return false;
    return true;
  }

  // ---- idle collection ----

  /** Deactivates every activation idle for longer than its type's `actorIdleTimeout`. */
  collectIdle(now = this.clock()): number {
    for (const [id, deadline] of this.#cancelled) if (deadline < now) this.#cancelled.delete(id);
    let count = 0;
    for (const activation of this.#allActivations()) {
      if (activation.status === 'failed') this.#forget(activation);
      else if (activation.canDeactivate(now)) {
        count++;
        void this.#deactivate(activation, 'idle');
      }
    }
    return count;
  }

  #forget(activation: Activation): void {
    const activations = this.#types.get(activation.type)?.activations;
    if (activations?.get(activation.id) === activation) activations.delete(activation.id);
  }

  async #deactivate(activation: Activation, reason: 'idle' | 'drain'): Promise<void> {
    await activation.deactivate(reason);
    this.#forget(activation);
    const waiting = activation.takeWaiting().filter((work) => work.delivery !== undefined);
    if (waiting.length === 0) return;
    const hosted = this.#types.get(activation.type);
    if (hosted === undefined) return;
    const next = this.#activationFor(hosted, activation.id);
    for (const work of waiting) next.deliver(work);
  }

  // ---- drain ----

  /**
   * Stops the worker (SIGTERM): no new chains start; running turns (and the reentrant calls of their
   * chains) get `drainOngoingCallTimeout` to finish when `drainRebalancedActors` is on; idle activations
   * are deactivated and saved; then consuming stops and every message not finished goes back to its
   * queue for the next owner of the shard.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#drain();
    return this.#stopped;
  }

  async #drain(): Promise<void> {
    this.draining = true;
    for (const activation of this.#allActivations()) {
      const holder = activation.holder;
      if (holder !== null) this.chainLocked(holder, 1);
    }
    clearInterval(this.#scanTimer);
    for (const activation of this.#allActivations()) activation.stopTimers();
    if (this.config.drainRebalancedActors && !this.#isQuiet()) {
      const limit = Math.max(0, ...[...this.#types.values()].map((t) => t.settings.drainOngoingCallTimeout));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#quietWaiter = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, limit);
        }),
      ]);
      clearTimeout(timer);
      if (!this.#isQuiet()) this.logger.warn({ limit }, 'drain timeout: turns still running are left to redelivery');
    }
    await Promise.all([...this.#allActivations()].filter((a) => a.status === 'ready' && !a.locked).map((a) => a.deactivate('drain')));
    await this.#subscription?.close();
    await this.client.close();
    for (const hosted of this.#types.values()) hosted.activations.clear();
    this.logger.info('worker stopped');
    this.events.complete();
  }
}
