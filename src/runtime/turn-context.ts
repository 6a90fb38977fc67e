import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { StackFrame } from '../protocol/invocation.js';

/**
 * The chain context of a running turn.
 *
 * Which turn is running when actor code calls `this.actor(...)`? The turn that took the lock is the
 * activation's `lockContext`; a reentrant turn admitted while the lock is held runs inside
 * AsyncLocalStorage, so two turns of one actor that interleave at `await` points each see their own.
 * Only reentrant turns pay for AsyncLocalStorage (on Node 20 its promise hooks cost about a quarter of
 * an in-process call once enabled). A store is trusted only while its turn runs and only by its own
 * actor: a continuation that inherited another actor's store, or a finished turn's, falls back to the
 * lock context.
 */
export interface TurnContext {
  readonly reentrancyId: string;
  /** The callers' frames, root first. */
  readonly stack: readonly StackFrame[];
  /** This turn's own frame. */
  readonly frame: StackFrame;
  readonly depth: number;
  readonly deadline: number;
  logger: Logger | undefined;
  /** False once the turn has ended. */
  running: boolean;
}

export const turnStorage = new AsyncLocalStorage<TurnContext>();
