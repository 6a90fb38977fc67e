/**
 * Where actor state lives between activations. A write carries the state together with the ids of the
 * messages whose effects it contains and the replies they produced, so that a message delivered again
 * (broker redelivery after a crash, or a caller retrying with the same message id) is recognised: its
 * effect is not applied twice and the recorded reply is sent again.
 */
import type { Reply } from '../protocol/invocation.js';

/**
 * How many handled messages each actor remembers (the most recent ones), in the store and in its
 * activation alike. A duplicate older than that is not recognised.
 */
export const HANDLED_RECORD_LIMIT = 32;

export interface HandledMessage {
  readonly messageId: string;
  /** The reply that was sent, or null for a one-way send. */
  readonly reply: Reply | null;
}

export interface LoadedState {
  /** The state as JSON text; undefined when the actor has never been saved. */
  readonly json: string | undefined;
  /** Handled messages, oldest first, at most HANDLED_RECORD_LIMIT. */
  readonly handled: readonly HandledMessage[];
  /**
   * Which write was loaded, for a store that refuses a save based on a stale copy (Redis); the writer
   * passes it back as `basedOn`. Absent: the store does not check.
   */
  readonly version?: string;
}

/** Ownership proof of the writer: a store that supports fencing refuses writes with an older epoch. */
export interface Fence {
  readonly scope: string;
  readonly epoch: number;
}

/**
 * A push onto a list that a store makes in the same atomic step as a write, and only when the write is
 * applied: a transport's message, already encoded, that must go out once the state is saved and not
 * before (turnq's BullMQ transport hands the reply of the turn being saved this way, so that save and
 * reply cost one round trip). The store does not read the value; a store that cannot reach `server`
 * (`canPush` false, or no `canPush`) is never given one, and the message is then sent the usual way.
 */
export interface ListPush {
  /** The server the list lives on, as its URL (`redis://host:port/db`). */
  readonly server: string;
  readonly key: string;
  readonly value: string;
  /** Expiry set on the list with each push, milliseconds. */
  readonly ttlMs: number;
}

export interface StateWrite {
  readonly json: string;
  /** Messages handled since the last write, oldest first. */
  readonly handled: readonly HandledMessage[];
  readonly fence?: Fence;
  /** The version this write starts from: the one loaded, or the one the previous save returned. */
  readonly basedOn?: string;
  /**
   * Pushed when the write is applied (once, even when the save is sent again after a lost answer);
   * never when it is refused or fails. Only for a store whose `canPush` accepts it.
   */
  readonly push?: ListPush;
}

export interface StateStore {
  readonly kind: string;
  load(actorKey: string): Promise<LoadedState>;
  /**
   * Atomic: the state and its handled messages are written together or not at all. Resolves with the
   * new version (the next write's `basedOn`) where the store keeps versions. A store that writes
   * synchronously (the in-process one) returns nothing, which spares the turn a promise.
   */
  save(actorKey: string, write: StateWrite): Promise<string | undefined> | undefined;
  /** True when this store can make `push` with a write (it reaches the push's server). */
  canPush?(push: ListPush): boolean;
  close(): Promise<void>;
}
