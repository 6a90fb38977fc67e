import type { Invocation, Lane } from '../protocol/invocation.js';
import type { Delivery } from '../transport/transport.js';

/** One unit of work for an activation: a delivered invocation, or a timer callback. */
export interface Work {
  readonly inv: Invocation;
  readonly lane: Lane;
  /** Absent for timer callbacks, which are local. */
  readonly delivery: Delivery | undefined;
  readonly timer: { readonly name: string; readonly callback: () => unknown } | undefined;
  /** `idKey` of the message id, computed once per delivery (looked up on arrival, recorded at the end). */
  readonly idKey: number;
}
