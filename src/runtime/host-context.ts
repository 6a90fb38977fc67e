import type { Logger } from 'pino';
import type { CallOptions } from '../actor/actor-types.js';
import type { RuntimeEvents } from '../events/runtime-events.js';
import type { Reply } from '../protocol/invocation.js';
import type { ListPush, StateStore } from '../state/state-store.js';
import type { TurnContext } from './turn-context.js';

/** A call or one-way send an actor makes through a proxy. */
export interface OutboundCall {
  readonly type: string;
  readonly id: string;
  readonly method: string;
  readonly args: unknown[];
  readonly options: CallOptions | undefined;
  readonly oneWay: boolean;
}

/** What the actor host gives each of its activations. */
export interface HostContext {
  readonly workerId: string;
  readonly logger: Logger;
  readonly events: RuntimeEvents;
  readonly store: StateStore;
  readonly draining: boolean;
  /** The worker's clock (milliseconds since the epoch) for deadlines and idle times. */
  now(): number;
  /** A turn id unique on this worker (frames name the worker too). */
  nextTurnId(): string;
  sendReply(address: string, reply: Reply): void;
  /** The reply as a push the store can make with its save (StateWrite.push), when store and transport allow. */
  replyPush(address: string, reply: Reply): ListPush | undefined;
  isCancelled(messageId: string): boolean;
  /** Counts the locks a chain holds on this worker (draining admits only chains already running). */
  chainLocked(reentrancyId: string, delta: 1 | -1): void;
  isChainActive(reentrancyId: string): boolean;
  /** A call or send made by an actor: nested in `context` when given, else a root call. */
  outbound(context: TurnContext | undefined, call: OutboundCall): Promise<unknown>;
  /** The activation's lock was released (a draining host waits for every lock to be released). */
  settled(): void;
}
