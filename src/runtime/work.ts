import type { Invocation, Lane, Reply } from '../protocol/invocation.js';
import type { Delivery } from '../transport/transport.js';

/** One unit of work for an activation: a delivered invocation, or a timer callback. */
export interface Work {
  readonly inv: Invocation;
  readonly lane: Lane;
  /** Absent for timer callbacks, which are local. */
  readonly delivery: Delivery | undefined;
  readonly timer: { readonly name: string; readonly callback: () => unknown } | undefined;
}

export function okReply(correlationId: string, result: unknown): Reply {
  return { correlationId, status: 'ok', result };
}
