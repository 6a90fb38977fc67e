import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { StackFrame } from '../protocol/invocation.js';

/**
 * The chain context of the turn that is running. It lives in AsyncLocalStorage, not on the actor
 * instance, so two reentrant turns of one actor that interleave at `await` points each see their own.
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
}

export const turnStorage = new AsyncLocalStorage<TurnContext>();
