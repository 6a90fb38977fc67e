import type { Logger } from 'pino';
import type { ActorLink, ActorProxy, CallOptions, OneWayProxy, TimerOptions, TurnInfo } from './actor-types.js';

/** Where the runtime attaches an actor instance to its activation. Not part of the public API. */
export const ACTOR_LINK: unique symbol = Symbol('turnq.actor-link');

/**
 * Base class of every actor. A subclass declares its type name explicitly, never inferred from the class
 * name (minifiers rename classes):
 *
 * ```ts
 * export class Counter extends Actor<{ count: number }> {
 *   static readonly type = 'Counter';
 *   protected override initialState() { return { count: 0 }; }
 *   async add(n: number) { this.state.count += n; return this.state.count; }
 * }
 * ```
 *
 * Public methods are the actor's interface. `state` is loaded on activation, saved when the outermost
 * turn of the chain holding the lock ends, and rolled back when the turn that changed it throws.
 */
export abstract class Actor<S = Record<string, unknown>> {
  /** The actor's state; JSON-serializable. */
  state!: S;

  [ACTOR_LINK]!: ActorLink;

  get id(): string {
    return this[ACTOR_LINK].id;
  }

  /** `Type/id`. */
  get key(): string {
    return this[ACTOR_LINK].key;
  }

  /** The chain of the turn running now (undefined outside a turn, e.g. in `onActivate`). */
  get turn(): TurnInfo | undefined {
    return this[ACTOR_LINK].turnInfo();
  }

  /** A logger bound to the current turn: actor key, method, reentrancy id and depth on every line. */
  get log(): Logger {
    return this[ACTOR_LINK].logger();
  }

  /** State of a fresh actor that has nothing stored yet. */
  protected initialState(): S {
    return {} as S;
  }

  /** Called once after the state is loaded, before the first turn. */
  onActivate(): void | Promise<void> {}

  /** Called when the actor is deactivated (idle, or the worker drains); the state is saved after it. */
  onDeactivate(): void | Promise<void> {}

  /** A proxy to call another actor (or this one) as part of the current call chain. */
  protected actor<T>(type: string, id: string, options?: CallOptions): ActorProxy<T> {
    return this[ACTOR_LINK].proxy(type, id, options, false) as ActorProxy<T>;
  }

  /** A proxy for one-way sends: the target runs in a chain of its own and nothing waits for it. */
  protected send<T>(type: string, id: string, options?: CallOptions): OneWayProxy<T> {
    return this[ACTOR_LINK].proxy(type, id, options, true) as OneWayProxy<T>;
  }

  /**
   * A timer of this activation. Each callback takes the actor's lock like a call and starts a call chain
   * of its own, so it may call other actors that call back into this one.
   */
  protected registerTimer(name: string, callback: () => unknown, options: TimerOptions): void {
    this[ACTOR_LINK].registerTimer(name, callback, options);
  }

  protected unregisterTimer(name: string): boolean {
    return this[ACTOR_LINK].unregisterTimer(name);
  }

  /** @internal */
  initialStateForRuntime(): S {
    return this.initialState();
  }
}

export type ActorClass = (abstract new () => Actor<unknown>) & { readonly type: string };
