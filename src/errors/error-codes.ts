/**
 * The registry of every error code turnq produces. A code is a stable string that callers, other
 * languages and dashboards match on; `docs/errors.md` lists the same codes (a test keeps them in sync).
 *
 * `retryable: true` means the same call may succeed if sent again (ideally with the same message id,
 * so that an idempotent retry is recognised); `false` means it will fail the same way every time.
 */
export interface ErrorCodeInfo {
  readonly retryable: boolean;
  /** Default message when the code is raised without one. */
  readonly message: string;
}

export const ERROR_CODES = {
  ACTOR_STACK_DEPTH: { retryable: false, message: 'maximum stack depth exceeded' },
  ACTOR_CALL_CYCLE: {
    retryable: false,
    message: 'call cycle into a non-reentrant actor can never finish',
  },
  ACTOR_OVERLOADED: { retryable: true, message: 'actor mailbox is full' },
  ACTOR_TYPE_UNKNOWN: { retryable: false, message: 'unknown actor type' },
  ACTOR_METHOD_UNKNOWN: { retryable: false, message: 'unknown actor method' },
  ACTOR_ERROR: { retryable: false, message: 'actor method threw' },
  ACTOR_STATE_INVALID: { retryable: false, message: 'actor state is not JSON-serializable' },
  ACTOR_ACTIVATION_FAILED: { retryable: true, message: 'actor activation failed' },
  DEADLINE_EXCEEDED: { retryable: true, message: 'deadline exceeded' },
  CALL_CANCELLED: { retryable: false, message: 'call cancelled' },
  REENTRANCY_LOCK_NOT_HELD: {
    retryable: true,
    message: 'priority-lane message for an actor that its chain does not lock on this worker',
  },
  MESSAGE_UNDECODABLE: { retryable: false, message: 'message could not be decoded' },
  MESSAGE_INVALID: { retryable: false, message: 'message is missing or has a malformed field' },
  MESSAGE_TOO_LARGE: { retryable: false, message: 'message exceeds the size limit' },
  PROTOCOL_VERSION_UNSUPPORTED: { retryable: false, message: 'unsupported protocol version' },
  MESSAGE_DELIVERY_LIMIT: {
    retryable: false,
    message: 'message was delivered too many times without completing',
  },
  PUBLISH_UNROUTABLE: { retryable: false, message: 'no queue is bound for this message' },
  PUBLISH_FAILED: { retryable: true, message: 'the broker did not accept the message' },
  TRANSPORT_UNAVAILABLE: { retryable: true, message: 'connection to the broker was lost' },
  TRANSPORT_CLOSED: { retryable: false, message: 'transport is closed' },
  STATE_STORE_FAILED: { retryable: true, message: 'state store operation failed' },
  STATE_FENCED: {
    retryable: true,
    message: 'a newer owner of the shard has written this state; this owner is stale',
  },
  CONFIG_INVALID: { retryable: false, message: 'invalid configuration' },
  ACTOR_DEFINITION_INVALID: { retryable: false, message: 'invalid actor class' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
