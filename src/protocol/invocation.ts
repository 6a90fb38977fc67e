import type { WireError } from '../errors/turnq-error.js';

/**
 * One frame of a call chain's stack: the turn of `actor` running `method`, on `worker`.
 * Frames are ordered from the root (first) to the direct caller (last).
 */
export interface StackFrame {
  /** Actor key, `Type/id`. */
  readonly actor: string;
  readonly method: string;
  /** Id of the turn, unique per invocation. */
  readonly turn: string;
  /** Id of the worker that runs the turn: reentrant calls go to this worker's priority lane. */
  readonly worker: string;
}

/** An actor invocation as the runtime sees it once decoded (see docs/protocol.md for the wire form). */
export interface Invocation {
  readonly messageId: string;
  readonly actorType: string;
  readonly actorId: string;
  readonly method: string;
  readonly args: readonly unknown[];
  /** 128-bit random id of the call chain, 32 lowercase hex digits. */
  readonly reentrancyId: string;
  readonly stack: readonly StackFrame[];
  /** Number of frames of the target actor on `stack`, plus one. */
  readonly depth: number;
  /** Absolute deadline, milliseconds since the Unix epoch. */
  readonly deadline: number;
  /** Reply address; absent for a one-way send. */
  readonly replyTo?: string;
}

export type ReplyStatus = 'ok' | 'error';

export interface Reply {
  /** The `messageId` of the invocation this answers. */
  readonly correlationId: string;
  readonly status: ReplyStatus;
  readonly result?: unknown;
  readonly error?: WireError;
}

/** Where a publisher sends an invocation. */
export type Route = { readonly lane: 'shard' } | { readonly lane: 'priority'; readonly worker: string };

export type Lane = Route['lane'];

/** Messages on the control channel, seen by every worker. */
export interface CancelControl {
  readonly kind: 'cancel';
  readonly messageId: string;
  readonly actorType: string;
  readonly actorId: string;
  /** The cancelled call's deadline: workers forget the cancellation after it. */
  readonly deadline: number;
}

export type ControlMessage = CancelControl;

export function actorKey(type: string, id: string): string {
  return `${type}/${id}`;
}

export function parseActorKey(key: string): { type: string; id: string } | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) return undefined;
  return { type: key.slice(0, slash), id: key.slice(slash + 1) };
}

/** Depth of a call into an actor carrying `stack`: the actor's frames on the stack, plus one. */
export function depthFor(actorType: string, actorId: string, stack: readonly StackFrame[]): number {
  if (stack.length === 0) return 1;
  const targetKey = actorKey(actorType, actorId);
  let depth = 1;
  for (const frame of stack) if (frame.actor === targetKey) depth++;
  return depth;
}

/** The deadline of a chain that has none (a timer callback's); its calls get the default timeout. */
export const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

/** The callers' stack of a root call: empty, shared. */
export const ROOT_STACK: readonly StackFrame[] = Object.freeze([]);

export interface InvocationTarget {
  readonly actorType: string;
  readonly actorId: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface InvocationChain {
  readonly messageId: string;
  readonly reentrancyId: string;
  readonly stack: readonly StackFrame[];
  readonly deadline: number;
}

/** Builds an invocation; its depth follows from the stack. `replyTo` absent: a one-way send. */
export function createInvocation(target: InvocationTarget, chain: InvocationChain, replyTo: string | undefined): Invocation {
  const depth = depthFor(target.actorType, target.actorId, chain.stack);
  const { actorType, actorId, method, args } = target;
  const { messageId, reentrancyId, stack, deadline } = chain;
  return replyTo === undefined
    ? { messageId, actorType, actorId, method, args, reentrancyId, stack, depth, deadline }
    : { messageId, actorType, actorId, method, args, reentrancyId, stack, depth, deadline, replyTo };
}
