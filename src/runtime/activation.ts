/**
 * One activation of one actor: its instance and state, its lock, its mailbox and its timers. This is
 * the turn scheduler's message loop (docs/architecture.md, "The scheduler"):
 *
 * - The lock is held by one call chain (reentrancy id) at a time. Other chains wait in the mailbox,
 *   first come first served.
 * - A message of the chain that holds the lock runs at once when the type is reentrant (it interleaves
 *   with the chain's other turns only at `await` points). When the type is not reentrant, a message
 *   whose own call stack holds the lock is a cycle that can never finish and fails at once with
 *   ACTOR_CALL_CYCLE; a sibling branch of the chain waits its turn.
 * - Depth past `maxStackDepth` fails with ACTOR_STACK_DEPTH before taking anything.
 * - When the last running turn of the holder ends, the state is saved (with the ids of the messages
 *   that produced it), then replies and acks go out, then the lock passes to the next waiting message.
 *   The reply of that last turn may ride in the save itself (a store that pushes it to the transport's
 *   reply list in the same atomic write): it then goes out only if the save succeeds.
 */
import type { Logger } from 'pino';
import { ACTOR_LINK, type Actor } from '../actor/actor.js';
import type { ActorTypeEntry } from '../actor/actor-registry.js';
import type { ActorLink, CallOptions, TimerOptions, TurnInfo } from '../actor/actor-types.js';
import { createProxy } from '../client/actor-proxy.js';
import type { ActorTypeSettings } from '../config/config-schema.js';
import { toWireError, TurnqError, type TurnqErrorOptions } from '../errors/turnq-error.js';
import type { ErrorCode } from '../errors/error-codes.js';
import type { Invocation, Reply } from '../protocol/invocation.js';
import type { Fence, ListPush } from '../state/state-store.js';
import { HandledRecord, NO_REPLY } from './handled-record.js';
import type { Delivery } from '../transport/transport.js';
import type { TurnFields } from '../events/runtime-events.js';
import type { HostContext } from './host-context.js';
import { Mailbox } from './mailbox.js';
import { turnStorage, type TurnContext } from './turn-context.js';
import type { Work } from './work.js';
import { ActivationTimers, type TimerOwner } from './activation-timers.js';

/** A running turn: its chain context (what calls made in it see) and what it needs when it ends. */
interface TurnState extends TurnContext {
  readonly work: Work;
  /** The state as JSON before the turn, restored if it throws. */
  readonly snapshot: string;
  readonly started: number;
  /**
   * A reentrant turn's context in AsyncLocalStorage: a copy of the chain fields only, since every async
   * resource the turn creates keeps its store (this object would keep the message and the snapshot).
   */
  readonly scoped: TurnContext | undefined;
}

/** A method's result or a store's answer that completes later (any thenable, not only native promises). */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A save sent the turn's reply with the write (StateWrite.push): nothing is left to send. */
const REPLIED = 'replied';

/** How a save ended: its failure, REPLIED, or undefined (saved, or nothing to save; the reply is still owed). */
type SaveOutcome = TurnqError | typeof REPLIED | undefined;

/** The state as JSON for a turn's snapshot; undefined when it cannot be (the save then reports why). */
function stateJson(state: unknown): string | undefined {
  try {
    return JSON.stringify(state) ?? 'null';
  } catch {
    return undefined;
  }
}

/** Acks a delivery whose turn ended, or (fenced: another worker owns the actor now) gives it back. */
function settleDelivery(delivery: Delivery, fenced: boolean): void {
  if (fenced) delivery.requeue();
  else delivery.ack();
}

export type ActivationStatus = 'loading' | 'ready' | 'deactivating' | 'gone' | 'failed';

export class Activation implements ActorLink, TimerOwner {
  readonly id: string;
  readonly key: string;
  readonly instance: Actor<unknown>;
  status: ActivationStatus = 'loading';
  lastUsed: number;

  readonly type: string;
  readonly #host: HostContext;
  readonly #settings: ActorTypeSettings;
  /** Reentrancy id of the chain holding the lock, or null. */
  #holder: string | null = null;
  /** Turns of the holder running now (more than one only for reentrant types). */
  #running = 0;
  /** The running turn of a non-reentrant type (used to recognise cycles). */
  #currentTurn: string | null = null;
  /** Context of the turn that took the lock (see turn-context.ts). */
  #lockContext: TurnContext | undefined;
  #saving = false;
  /** True while `#pump` hands out the lock (see there). */
  #pumping = false;
  #queue: Mailbox<Work> | null = null;
  #softWarned = false;
  /** JSON of the state as last saved (or as loaded). */
  #committed = '';
  /** True while the state is known to equal `#committed` (so a turn's snapshot costs nothing). */
  #synced = false;
  #handled: HandledRecord | null = null;
  #deferredAcks: Delivery[] | null = null;
  #fence: Fence | undefined;
  /** The store's version of the state this activation holds (passed back on save as `basedOn`). */
  #version: string | undefined;
  readonly #timers: ActivationTimers = new ActivationTimers(this);

  constructor(host: HostContext, entry: ActorTypeEntry, settings: ActorTypeSettings, id: string, key: string) {
    this.#host = host;
    this.type = entry.type;
    this.#settings = settings;
    this.id = id;
    this.key = key;
    this.lastUsed = host.now();
    this.instance = new (entry.cls as unknown as new () => Actor<unknown>)();
    this.instance[ACTOR_LINK] = this;
  }

  /** Reentrancy id of the chain holding the lock, or null. */
  get holder(): string | null {
    return this.#holder;
  }

  /** Held by a chain (which keeps it while its state is saved). */
  get locked(): boolean {
    return this.#holder !== null;
  }

  get waiting(): number {
    return this.#queue?.length ?? 0;
  }

  /** Loads the state and runs `onActivate`, then serves what waits. Never rejects. */
  async activate(): Promise<void> {
    try {
      const loaded = await this.#host.store.load(this.key);
      const state: unknown = loaded.json === undefined ? this.instance.initialStateForRuntime() : JSON.parse(loaded.json);
      this.instance.state = state;
      this.#committed = JSON.stringify(state) ?? 'null';
      if (loaded.handled.length > 0) this.#handled = HandledRecord.from(loaded.handled);
      this.#version = loaded.version;
      await this.instance.onActivate();
    } catch (error) {
      this.status = 'failed';
      this.#host.logger.error({ err: error, actor: this.key }, 'actor activation failed');
      for (const work of this.#queue?.drain() ?? []) {
        this.#reject(work, 'ACTOR_ACTIVATION_FAILED', { message: `activation of ${this.key} failed: ${String(error)}` });
      }
      this.#host.settled();
      return;
    }
    this.status = 'ready';
    const events = this.#host.events;
    if (events.observed) events.emit({ type: 'activated', actor: this.key, worker: this.#host.workerId });
    this.#pump();
  }

  /** Entry point of every message and timer callback for this actor. */
  deliver(work: Work): void {
    const inv = work.inv;
    const reentrancy = this.#settings.reentrancy;
    if (inv.depth > reentrancy.maxStackDepth) {
      this.#reject(work, 'ACTOR_STACK_DEPTH', { details: { depth: inv.depth, maxStackDepth: reentrancy.maxStackDepth } });
      return;
    }
    if (this.#screened(work)) return;
    if (this.#holder === inv.reentrancyId && !this.#saving && this.status === 'ready') {
      if (reentrancy.enabled) {
        this.#emitTurnEvent('reentered', work);
        this.#runTurn(work, true);
        return;
      }
      const cycle = this.#cycle(inv);
      if (cycle !== undefined) {
        this.#reject(work, 'ACTOR_CALL_CYCLE', {
          message: `call cycle into non-reentrant actor ${this.key} can never finish: ${cycle}`,
          details: { cycle },
        });
        return;
      }
    } else if (work.lane === 'priority') {
      this.#reject(work, 'REENTRANCY_LOCK_NOT_HELD', {
        message: `${this.key} is not locked by chain ${inv.reentrancyId} on worker ${this.#host.workerId}`,
      });
      return;
    }
    if (this.status === 'ready' && !this.locked && this.waiting === 0 && this.#admissible(inv)) {
      this.#acquire(work);
      return;
    }
    this.#enqueue(work);
  }

  /**
   * Answers a message that must not run: already handled (the recorded reply again, once that record is
   * saved: during the save it waits), cancelled, or past its deadline. False when it may run.
   */
  #screened(work: Work): boolean {
    const id = work.inv.messageId;
    const handled = this.#handled?.indexOf(work.idKey) ?? -1;
    if (handled >= 0) {
      if (this.#saving) return false;
      this.#replayHandled(work, handled);
    } else if (this.#host.isCancelled(id)) {
      this.#reject(work, 'CALL_CANCELLED');
    } else if (this.#host.now() > work.inv.deadline) {
      this.#reject(work, 'DEADLINE_EXCEEDED');
    } else {
      return false;
    }
    return true;
  }

  /** Removes a waiting call; answers it with CALL_CANCELLED. */
  cancel(messageId: string): boolean {
    const work = this.#queue?.remove((w) => w.inv.messageId === messageId);
    if (work === undefined) return false;
    this.#reject(work, 'CALL_CANCELLED');
    this.#afterQueueChange();
    return true;
  }

  /** `A/1.run -> B/1.ping -> A/1.pong` when the message's own stack holds this actor's lock. */
  #cycle(inv: Invocation): string | undefined {
    const start = inv.stack.findIndex((frame) => frame.actor === this.key && frame.turn === this.#currentTurn);
    if (start < 0) return undefined;
    return [...inv.stack.slice(start).map((f) => `${f.actor}.${f.method}`), `${this.key}.${inv.method}`].join(' -> ');
  }

  /** While draining, only chains already running on this worker may take a lock. */
  #admissible(inv: Invocation): boolean {
    return !this.#host.draining || this.#host.isChainActive(inv.reentrancyId);
  }

  #enqueue(work: Work): void {
    const queue = (this.#queue ??= new Mailbox<Work>());
    const { softLimit, hardLimit } = this.#settings.mailbox;
    if (queue.length >= hardLimit) {
      this.#reject(work, 'ACTOR_OVERLOADED', { message: `${this.key} has ${queue.length} waiting calls (hard limit ${hardLimit})` });
      return;
    }
    queue.push(work);
    work.delivery?.park();
    if (queue.length > softLimit && !this.#softWarned) {
      this.#softWarned = true;
      this.#host.logger.warn({ actor: this.key, waiting: queue.length, softLimit }, 'actor mailbox above its soft limit');
    }
    this.#emitTurnEvent('waited', work);
    // Unlocked with others waiting happens while draining (they may not start): this one may.
    if (this.status === 'ready' && !this.locked) this.#pump();
  }

  #acquire(work: Work): void {
    this.#holder = work.inv.reentrancyId;
    this.#host.chainLocked(this.#holder, 1);
    this.#runTurn(work, false);
  }

  /**
   * Runs one turn. A method that returns a plain value ends its turn at once, and with a store that
   * saves synchronously the whole turn (save, reply, ack, release) completes in this call: no promise
   * is made for a turn that does not await.
   */
  #runTurn(work: Work, reentrant: boolean): void {
    const inv = work.inv;
    this.#running++;
    const turn = this.#host.nextTurnId();
    if (!reentrant) this.#currentTurn = turn;
    if (work.delivery?.fence !== undefined) this.#fence = work.delivery.fence;
    const frame = { actor: this.key, method: inv.method, turn, worker: this.#host.workerId };
    const { reentrancyId, stack, depth, deadline } = inv;
    const turnState: TurnState = {
      reentrancyId,
      stack,
      frame,
      depth,
      deadline,
      logger: undefined,
      running: true,
      work,
      snapshot: !reentrant && this.#synced ? this.#committed : (stateJson(this.instance.state) ?? this.#committed),
      started: performance.now(),
      scoped: reentrant ? { reentrancyId, stack, frame, depth, deadline, logger: undefined, running: true } : undefined,
    };
    if (!reentrant) this.#lockContext = turnState;
    const events = this.#host.events;
    if (events.observed) events.emit({ type: 'turn-started', turn, reentrant, ...this.#turnFields(work) });
    this.#synced = false;
    let result: unknown;
    try {
      result = turnState.scoped === undefined ? this.#invoke(work) : turnStorage.run(turnState.scoped, () => this.#invoke(work));
    } catch (error) {
      this.#turnEnded(turnState, this.#failed(turnState, error));
      return;
    }
    if (isThenable(result)) {
      Promise.resolve(result).then(
        (value: unknown) => {
          this.#turnEnded(turnState, { correlationId: inv.messageId, status: 'ok', result: value });
        },
        (error: unknown) => {
          this.#turnEnded(turnState, this.#failed(turnState, error));
        },
      );
      return;
    }
    this.#turnEnded(turnState, { correlationId: inv.messageId, status: 'ok', result });
  }

  /** A turn that threw: its state changes are discarded. */
  #failed(turn: TurnState, error: unknown): Reply {
    this.instance.state = JSON.parse(turn.snapshot);
    return { correlationId: turn.work.inv.messageId, status: 'error', error: toWireError(error, this.key) };
  }

  #turnEnded(turn: TurnState, reply: Reply): void {
    const work = turn.work;
    const inv = work.inv;
    turn.running = false;
    if (turn.scoped !== undefined) turn.scoped.running = false;
    if (this.#lockContext === turn) this.#lockContext = undefined;
    const durationMs = performance.now() - turn.started;
    if (durationMs > this.#settings.longTurnWarning) {
      this.#host.logger.warn(
        { actor: this.key, method: inv.method, reentrancyId: inv.reentrancyId, depth: inv.depth, durationMs },
        'long turn',
      );
    }
    const events = this.#host.events;
    if (events.observed) {
      events.emit({
        type: 'turn-ended',
        turn: turn.frame.turn,
        status: reply.status,
        ...(reply.error === undefined ? {} : { code: reply.error.code }),
        durationMs,
        ...this.#turnFields(work),
      });
    }
    this.#running--;
    if (reply.status === 'ok' && work.timer === undefined) {
      (this.#handled ??= new HandledRecord()).add(inv.messageId, inv.replyTo === undefined ? null : reply, work.idKey);
    } else if (reply.status === 'error' && (inv.replyTo === undefined || work.delivery === undefined)) {
      // Nobody waits for this turn (a one-way send or a timer callback): its failure goes to the log.
      this.#host.logger.warn(
        {
          actor: this.key,
          method: inv.method,
          reentrancyId: inv.reentrancyId,
          depth: inv.depth,
          code: reply.error?.code,
          err: reply.error,
        },
        work.timer === undefined ? 'one-way call failed' : 'timer callback failed',
      );
    }
    if (this.#running > 0) {
      // A turn nested in the chain: its caller is waiting inside the lock, so it answers now; its ack
      // waits for the save that ends the lock.
      this.#sendReply(work, reply);
      if (work.delivery !== undefined) (this.#deferredAcks ??= []).push(work.delivery);
      return;
    }
    this.#saving = true;
    const saved = this.#save(work, reply);
    if (isThenable(saved)) {
      // #save never rejects; a throw in #release is a bug and surfaces as an unhandled rejection, as it
      // would surface from the transport's delivery on the synchronous path.
      void Promise.resolve(saved).then((outcome) => {
        this.#release(work, reply, outcome);
      });
    } else {
      this.#release(work, reply, saved);
    }
  }

  /**
   * The outermost turn ended and the save is done: answer (unless the save carried the reply), ack, and
   * pass the lock on. A save refused with STATE_FENCED means another worker owns the actor now: the
   * chain's messages go back to their queue unanswered, for that owner to run and answer (acking them
   * would lose a one-way send).
   */
  #release(work: Work, turnReply: Reply, outcome: SaveOutcome): void {
    this.#saving = false;
    const failure = outcome === REPLIED ? undefined : outcome;
    let reply = turnReply;
    if (failure !== undefined) {
      this.instance.state = JSON.parse(this.#committed);
      this.#synced = true;
      reply = { correlationId: work.inv.messageId, status: 'error', error: failure.toWire() };
    }
    const fenced = failure?.code === 'STATE_FENCED';
    if (!fenced && outcome !== REPLIED) this.#sendReply(work, reply);
    // The acks of the chain's nested turns first, then this turn's (no array for the common case).
    const deferred = this.#deferredAcks;
    this.#deferredAcks = null;
    if (deferred !== null) for (const delivery of deferred) settleDelivery(delivery, fenced);
    if (work.delivery !== undefined) settleDelivery(work.delivery, fenced);
    this.#host.chainLocked(work.inv.reentrancyId, -1);
    this.#holder = null;
    this.#currentTurn = null;
    if (failure !== undefined) this.#discard();
    else this.#pump();
  }

  /**
   * After a failed save the store may hold something else than this activation (a newer owner of the
   * shard wrote, or the outcome of the write is unknown): drop the activation, its state and its record
   * of handled ids; the messages waiting go back to their queue (oldest ends first in line) and the next
   * message loads the actor again.
   */
  #discard(): void {
    this.status = 'failed';
    this.stopTimers();
    const waiting = this.#queue?.drain() ?? [];
    this.#queue = null;
    for (let i = waiting.length - 1; i >= 0; i--) waiting[i]?.delivery?.requeue();
    this.#host.settled();
  }

  #invoke(work: Work): unknown {
    if (work.timer !== undefined) return work.timer.callback.call(this.instance);
    const method = (this.instance as unknown as Record<string, unknown>)[work.inv.method] as (...args: unknown[]) => unknown;
    return method.apply(this.instance, work.inv.args as unknown[]);
  }

  /**
   * Saves the state if it changed since the last save; gives the failure instead of throwing, at once
   * when the store saved synchronously. With the turn (`work`, `reply`) that ends the lock, the reply
   * rides in the write when the store can push it (REPLIED once saved; a failed save sent nothing).
   */
  #save(work?: Work, reply?: Reply): SaveOutcome | Promise<SaveOutcome> {
    let json: string;
    try {
      json = JSON.stringify(this.instance.state) ?? 'null';
    } catch (error) {
      const message = `state of ${this.key} is not JSON-serializable: ${String(error)}`;
      return this.#saveFailed(new TurnqError('ACTOR_STATE_INVALID', { actor: this.key, message, cause: error }));
    }
    if (json === this.#committed) {
      this.#synced = true;
      return undefined;
    }
    const handled = this.#handled?.takeUnsaved() ?? [];
    const write: { json: string; handled: typeof handled; fence?: Fence; basedOn?: string; push?: ListPush } = { json, handled };
    if (this.#fence !== undefined) write.fence = this.#fence;
    if (this.#version !== undefined) write.basedOn = this.#version;
    const push = work === undefined || reply === undefined ? undefined : this.#replyPush(work, reply);
    if (push !== undefined) write.push = push;
    let pending: Promise<string | undefined> | undefined;
    try {
      pending = this.#host.store.save(this.key, write);
    } catch (error) {
      return this.#saveFailed(error);
    }
    const replied = push === undefined ? undefined : REPLIED;
    if (!isThenable(pending)) return this.#saved(json, undefined, replied);
    return Promise.resolve(pending).then(
      (version) => this.#saved(json, version, replied),
      (error: unknown) => this.#saveFailed(error),
    );
  }

  #saved<R extends SaveOutcome>(json: string, version: string | undefined, outcome: R): R {
    this.#version = version;
    this.#committed = json;
    this.#synced = true;
    return outcome;
  }

  /** The reply `work` is owed, as a push for the store to make with its write (when it can). */
  #replyPush(work: Work, reply: Reply): ListPush | undefined {
    const address = work.inv.replyTo;
    if (address === undefined || work.delivery === undefined) return undefined;
    return this.#host.replyPush(address, reply);
  }

  #saveFailed(error: unknown): TurnqError {
    this.#host.logger.error({ err: error, actor: this.key }, 'saving actor state failed');
    return error instanceof TurnqError
      ? error
      : new TurnqError('STATE_STORE_FAILED', { actor: this.key, message: String(error), cause: error });
  }

  /**
   * Hands the lock to the messages waiting, in order. A turn that ends at once releases the lock inside
   * this loop and calls `#pump` again: that nested call returns, and this loop goes on.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const queue = this.#queue;
    while (queue !== null && queue.length > 0 && this.status === 'ready' && !this.locked) {
      // While draining, the first message of a chain already running here; otherwise the first.
      const next = this.#host.draining ? queue.remove((work) => this.#admissible(work.inv)) : queue.shift();
      if (next === undefined) break;
      next.delivery?.unpark();
      if (!this.#screened(next)) this.#acquire(next);
    }
    this.#pumping = false;
    this.#afterQueueChange();
  }

  #afterQueueChange(): void {
    const waiting = this.waiting;
    if (waiting === 0) this.#queue = null;
    if (waiting <= this.#settings.mailbox.softLimit) this.#softWarned = false;
    if (!this.locked) {
      if (waiting === 0) this.lastUsed = this.#host.now();
      this.#host.settled();
    }
  }

  #sendReply(work: Work, reply: Reply): void {
    const address = work.inv.replyTo;
    if (address !== undefined && work.delivery !== undefined) this.#host.sendReply(address, reply);
  }

  #replayHandled(work: Work, index: number): void {
    const result = this.#handled?.resultAt(index);
    if (result !== NO_REPLY) this.#sendReply(work, { correlationId: work.inv.messageId, status: 'ok', result });
    work.delivery?.ack();
  }

  #reject(work: Work, code: ErrorCode, options: Omit<TurnqErrorOptions, 'actor'> = {}): void {
    const error = new TurnqError(code, { ...options, actor: this.key });
    const events = this.#host.events;
    if (events.observed) events.emit({ type: 'rejected', code, ...this.#turnFields(work) });
    if (work.delivery === undefined) {
      this.#host.logger.warn({ actor: this.key, method: work.inv.method, code }, 'timer callback not run');
      return;
    }
    this.#sendReply(work, { correlationId: work.inv.messageId, status: 'error', error: error.toWire() });
    work.delivery.ack();
  }

  #turnFields(work: Work): TurnFields {
    const inv = work.inv;
    return {
      actor: this.key,
      method: inv.method,
      messageId: inv.messageId,
      reentrancyId: inv.reentrancyId,
      depth: inv.depth,
      callers: inv.stack.length,
      worker: this.#host.workerId,
    };
  }

  #emitTurnEvent(type: 'reentered' | 'waited', work: Work): void {
    const events = this.#host.events;
    if (!events.observed) return;
    if (type === 'waited') events.emit({ type, queueLength: this.waiting, ...this.#turnFields(work) });
    else events.emit({ type, ...this.#turnFields(work) });
  }

  // ---- idle deactivation and drain ----

  canDeactivate(now: number): boolean {
    return this.status === 'ready' && !this.locked && this.waiting === 0 && now - this.lastUsed >= this.#settings.actorIdleTimeout;
  }

  /** Runs `onDeactivate` and saves the state. Call only when `canDeactivate` (or draining and unlocked). */
  async deactivate(reason: 'idle' | 'drain'): Promise<void> {
    this.status = 'deactivating';
    this.stopTimers();
    try {
      await turnStorage.exit(() => this.instance.onDeactivate());
    } catch (error) {
      this.#host.logger.error({ err: error, actor: this.key }, 'onDeactivate threw');
    }
    const failure = await this.#save();
    if (failure instanceof TurnqError) this.#host.logger.error({ code: failure.code, actor: this.key }, 'state not saved on deactivation');
    this.status = 'gone';
    const events = this.#host.events;
    if (events.observed) events.emit({ type: 'deactivated', actor: this.key, worker: this.#host.workerId, reason });
  }

  /** Messages that arrived while deactivating, for the next activation. */
  takeWaiting(): Work[] {
    const works = this.#queue?.drain() ?? [];
    this.#queue = null;
    return works;
  }

  // ---- timers (activation-timers.ts) ----

  acceptsTimers(): boolean {
    return this.status === 'ready' && !this.#host.draining;
  }

  timerFired(name: string, reentrancyId: string): void {
    const events = this.#host.events;
    if (events.observed) events.emit({ type: 'timer-fired', actor: this.key, timer: name, reentrancyId, worker: this.#host.workerId });
  }

  registerTimer(name: string, callback: () => unknown, options: TimerOptions): void {
    this.#timers.register(name, callback, options);
  }

  unregisterTimer(name: string): boolean {
    return this.#timers.unregister(name);
  }

  stopTimers(): void {
    this.#timers.stop();
  }

  // ---- what the actor instance reaches (ActorLink) ----

  #ownContext(): TurnContext | undefined {
    const context = turnStorage.getStore();
    if (context !== undefined && context.running && context.frame.actor === this.key) return context;
    return this.#lockContext;
  }

  proxy(type: string, id: string, options: CallOptions | undefined, oneWay: boolean): unknown {
    return createProxy<unknown>((method, args) => this.#host.outbound(this.#ownContext(), { type, id, method, args, options, oneWay }));
  }

  turnInfo(): TurnInfo | undefined {
    const context = this.#ownContext();
    if (context === undefined) return undefined;
    return {
      method: context.frame.method,
      reentrancyId: context.reentrancyId,
      depth: context.depth,
      stack: context.stack,
      deadline: context.deadline,
    };
  }

  logger(): Logger {
    const context = this.#ownContext();
    if (context === undefined) return this.#host.logger.child({ actor: this.key });
    context.logger ??= this.#host.logger.child({
      actor: this.key,
      method: context.frame.method,
      reentrancyId: context.reentrancyId,
      depth: context.depth,
      turn: context.frame.turn,
    });
    return context.logger;
  }
}
