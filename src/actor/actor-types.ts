import type { Actor } from './actor.js';

/** Per-call options of a proxy. */
export interface CallOptions {
  /** Milliseconds, or a duration string; nested calls never outlive their chain's deadline. */
  timeout?: number | string;
  signal?: AbortSignal;
  /**
   * Message id to use; reuse it when retrying the same call so the runtime can recognise it (applied
   * once, answered with the recorded reply). A call made while one with the same id still waits on the
   * same client ends with that one.
   */
  messageId?: string;
}

type ActorBaseKeys = keyof Actor<unknown>;

/** The public async methods of an actor class, without what every actor inherits. */
export type ActorMethodNames<T> = {
  [K in keyof T]: K extends ActorBaseKeys ? never : T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/** A typed proxy: each method of `T`, returning a promise of its result. */
export type ActorProxy<T> = {
  readonly [K in ActorMethodNames<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** A one-way proxy: each method of `T`, resolving once the message is accepted by the transport. */
export type OneWayProxy<T> = {
  readonly [K in ActorMethodNames<T>]: T[K] extends (...args: infer A) => unknown ? (...args: A) => Promise<void> : never;
};

export interface TimerOptions {
  /** Delay of the first callback (milliseconds or duration string). */
  dueTime: number | string;
  /** Period of the following callbacks; absent for a one-shot timer. */
  period?: number | string;
}

/** The call chain of the turn that is running. */
export interface TurnInfo {
  readonly method: string;
  readonly reentrancyId: string;
  readonly depth: number;
  /** Callers' frames, root first: `{actor, method, turn, worker}`. */
  readonly stack: readonly import('../protocol/invocation.js').StackFrame[];
  /** Absolute deadline, ms since the epoch. */
  readonly deadline: number;
}

/** What an actor instance reaches of the runtime; implemented by its activation. */
export interface ActorLink {
  readonly id: string;
  readonly key: string;
  turnInfo(): TurnInfo | undefined;
  proxy(type: string, id: string, options: CallOptions | undefined, oneWay: boolean): unknown;
  registerTimer(name: string, callback: () => unknown, options: TimerOptions): void;
  unregisterTimer(name: string): boolean;
  logger(): import('pino').Logger;
}
