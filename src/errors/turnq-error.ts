import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';

/** What travels in an error reply (see docs/protocol.md, "Reply body"). */
export interface WireError {
  code: string;
  message: string;
  retryable: boolean;
  /** Actor key (`Type/id`) where the error was raised, when there is one. */
  actor?: string;
  /** Remote stack, trimmed to the frames of user code. */
  stack?: string;
  details?: Record<string, unknown>;
}

export interface TurnqErrorOptions {
  message?: string;
  actor?: string;
  retryable?: boolean;
  remoteStack?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error class of turnq. Every error has a stable string `code` and a `retryable` flag
 * (terminal vs retryable). Codes of turnq itself are listed in `ERROR_CODES`; an actor may throw its
 * own coded errors too, which travel to the caller with their code.
 */
export class TurnqError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly actor: string | undefined;
  readonly remoteStack: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode | (string & {}), options: TurnqErrorOptions = {}) {
    const known = isErrorCode(code) ? ERROR_CODES[code] : undefined;
    super(options.message ?? known?.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TurnqError';
    this.code = code;
    this.retryable = options.retryable ?? known?.retryable ?? false;
    this.actor = options.actor;
    this.remoteStack = options.remoteStack;
    this.details = options.details;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.actor !== undefined) wire.actor = this.actor;
    const stack = this.remoteStack ?? trimStack(this.stack);
    if (stack !== undefined) wire.stack = stack;
    if (this.details !== undefined) wire.details = this.details;
    return wire;
  }

  static fromWire(wire: WireError): TurnqError {
    const options: TurnqErrorOptions = { message: wire.message, retryable: wire.retryable };
    if (wire.actor !== undefined) options.actor = wire.actor;
    if (wire.stack !== undefined) options.remoteStack = wire.stack;
    if (wire.details !== undefined) options.details = wire.details;
    return new TurnqError(wire.code, options);
  }
}

/** Raised by user code to say "try again": travels to the caller as a retryable error. */
export class RetryableError extends TurnqError {
  constructor(code: string, message?: string) {
    super(code, { retryable: true, ...(message === undefined ? {} : { message }) });
    this.name = 'RetryableError';
  }
}

export function isTurnqError(error: unknown): error is TurnqError {
  return error instanceof TurnqError;
}

const MAX_STACK_LINES = 8;

/** Keeps the message line and the first frames that are not Node's or turnq's own plumbing. */
export function trimStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  const frames = lines.slice(1).filter((line) => !line.includes('node:internal') && !line.includes('/node_modules/'));
  return [lines[0], ...frames.slice(0, MAX_STACK_LINES)].join('\n');
}

/** Turns anything an actor method threw into a wire error: a coded error keeps its code. */
export function toWireError(error: unknown, actor: string): WireError {
  if (error instanceof TurnqError) {
    const wire = error.toWire();
    wire.actor ??= actor;
    return wire;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const wire: WireError = {
      code: typeof code === 'string' && code.length > 0 ? code : 'ACTOR_ERROR',
      message: error.message,
      retryable: false,
      actor,
    };
    const stack = trimStack(error.stack);
    if (stack !== undefined) wire.stack = stack;
    return wire;
  }
  return { code: 'ACTOR_ERROR', message: String(error), retryable: false, actor };
}
