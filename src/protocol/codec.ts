/**
 * Encodes and decodes the wire form of invocations and replies (docs/protocol.md, version 1).
 *
 * A wire message is a set of string headers and a UTF-8 JSON body. Every transport carries the same
 * headers (AMQP message headers, the `headers` field of a BullMQ job, the memory transport's record),
 * so one decoder validates what any publisher in any language sent.
 *
 * Decoding errors are TurnqErrors with codes MESSAGE_UNDECODABLE, MESSAGE_INVALID, MESSAGE_TOO_LARGE or
 * PROTOCOL_VERSION_UNSUPPORTED; the transport dead-letters such a message with that code as reason.
 */
import { TurnqError, type WireError } from '../errors/turnq-error.js';
import { HEADER, PROTOCOL_VERSION } from './headers.js';
import { HEX_ID_PATTERN } from './ids.js';
import { createInvocation, ROOT_STACK, type ControlMessage, type Invocation, type Reply, type StackFrame } from './invocation.js';

export type WireHeaders = Record<string, string>;

export interface WireMessage {
  readonly headers: WireHeaders;
  /**
   * The UTF-8 JSON body, as text or as its bytes: encoding gives text (what a Redis job carries), an
   * AMQP delivery gives bytes; each side converts once, where its transport needs it.
   */
  readonly body: string | Buffer;
}

/** The body as text. */
export function bodyText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** The body as bytes. */
export function bodyBytes(body: string | Buffer): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Size of the body in bytes (a short text is known to fit without counting: UTF-8 takes at most 3 bytes per UTF-16 unit). */
function fitsIn(body: string | Buffer, maxBytes: number): { fits: boolean; size: number } {
  if (typeof body === 'string' && body.length * 3 <= maxBytes) return { fits: true, size: body.length };
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  return { fits: size <= maxBytes, size };
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The headers of an invocation that every transport sends as headers: the protocol version, the actor
 * id and the chain context. The message id, actor type, method and reply address a transport may carry
 * in properties of its own (the RabbitMQ mapping, src/transport/amqp/amqp-wire.ts).
 */
export function coreHeaders(inv: Invocation): WireHeaders {
  return {
    [HEADER.protocol]: PROTOCOL_VERSION,
    [HEADER.actorId]: inv.actorId,
    [HEADER.reentrancyId]: inv.reentrancyId,
    [HEADER.callStack]: inv.stack.length === 0 ? '[]' : JSON.stringify(inv.stack),
    [HEADER.depth]: String(inv.depth),
    [HEADER.deadline]: String(inv.deadline),
  };
}

/** An invocation's body: `{"args":[...]}`. */
export function encodeArgs(args: readonly unknown[]): string {
  return JSON.stringify({ args });
}

/**
 * The wire form of an invocation. `replyToHeader: false` leaves out `turnq-reply-to` for a transport
 * that carries the reply address in a property of its own (AMQP `reply_to`).
 */
export function encodeInvocation(inv: Invocation, replyToHeader = true): WireMessage {
  const headers = coreHeaders(inv);
  headers[HEADER.messageId] = inv.messageId;
  headers[HEADER.actorType] = inv.actorType;
  headers[HEADER.method] = inv.method;
  if (replyToHeader && inv.replyTo !== undefined) headers[HEADER.replyTo] = inv.replyTo;
  return { headers, body: encodeArgs(inv.args) };
}

function invalid(message: string, code = 'MESSAGE_INVALID'): TurnqError {
  return new TurnqError(code, { message });
}

function required(headers: WireHeaders, name: string): string {
  const value = headers[name];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`header ${name} is missing or empty`);
  return value;
}

function integer(headers: WireHeaders, name: string): number {
  const text = required(headers, name);
  if (!/^\d{1,16}$/.test(text)) throw invalid(`header ${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function parseStack(text: string): readonly StackFrame[] {
  if (text === '[]') return ROOT_STACK;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`header ${HEADER.callStack} is not JSON`);
  }
  if (!Array.isArray(value)) throw invalid(`header ${HEADER.callStack} must be a JSON array`);
  return value.map((frame: unknown, index) => {
    if (typeof frame !== 'object' || frame === null) throw invalid(`call stack frame ${index} is not an object`);
    const { actor, method, turn, worker } = frame as Record<string, unknown>;
    if (typeof actor !== 'string' || typeof method !== 'string' || typeof turn !== 'string' || typeof worker !== 'string') {
      throw invalid(`call stack frame ${index} needs string fields actor, method, turn and worker`);
    }
    return { actor, method, turn, worker };
  });
}

/** The reply address of a message, if it has a readable one: used to answer undecodable messages. */
function replyAddressOf(headers: unknown): { replyTo: string; correlationId: string } | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const h = headers as Record<string, unknown>;
  const replyTo = h[HEADER.replyTo];
  const id = h[HEADER.messageId];
  if (typeof replyTo !== 'string' || replyTo === '' || typeof id !== 'string' || id === '') return undefined;
  return { replyTo, correlationId: id };
}

export function decodeInvocation(message: WireMessage, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Invocation {
  const { headers, body } = message;
  const { fits, size } = fitsIn(body, maxBytes);
  if (!fits) throw invalid(`body of ${size} bytes exceeds the limit of ${maxBytes}`, 'MESSAGE_TOO_LARGE');
  const version = headers[HEADER.protocol];
  if (version !== PROTOCOL_VERSION) {
    throw new TurnqError('PROTOCOL_VERSION_UNSUPPORTED', {
      message: `protocol version "${String(version)}" is not supported (expected "${PROTOCOL_VERSION}")`,
    });
  }
  const messageId = required(headers, HEADER.messageId);
  const actorType = required(headers, HEADER.actorType);
  const actorId = required(headers, HEADER.actorId);
  const method = required(headers, HEADER.method);
  const reentrancyId = required(headers, HEADER.reentrancyId);
  if (!HEX_ID_PATTERN.test(reentrancyId)) {
    throw invalid(`header ${HEADER.reentrancyId} must be 32 lowercase hex digits`);
  }
  const stack = parseStack(required(headers, HEADER.callStack));
  const depth = integer(headers, HEADER.depth);
  const deadline = integer(headers, HEADER.deadline);
  let payload: unknown;
  try {
    payload = JSON.parse(bodyText(body));
  } catch {
    throw invalid('body is not JSON', 'MESSAGE_UNDECODABLE');
  }
  const args = (payload as { args?: unknown } | null)?.args;
  if (!Array.isArray(args)) throw invalid('body must be a JSON object with an "args" array');
  const replyTo = headers[HEADER.replyTo];
  const inv = createInvocation(
    { actorType, actorId, method, args },
    { messageId, reentrancyId, stack, deadline },
    replyTo === '' ? undefined : replyTo,
  );
  if (depth !== inv.depth) throw invalid(`header ${HEADER.depth} is ${depth} but the call stack gives ${inv.depth}`);
  return inv;
}

/** What a transport makes of a message it received: the invocation, or why it is invalid. */
export type Decoded =
  | { readonly ok: true; readonly invocation: Invocation }
  | {
      readonly ok: false;
      readonly error: TurnqError;
      /** The error reply owed to the sender, when the message has a readable reply address. */
      readonly reply: { readonly address: string; readonly reply: Reply } | undefined;
    };

/** Decodes a received message; an invalid one comes back with its coded error and its error reply. */
export function decodeDelivered(message: WireMessage, maxBytes?: number): Decoded {
  try {
    return { ok: true, invocation: decodeInvocation(message, maxBytes) };
  } catch (thrown) {
    const error = thrown instanceof TurnqError ? thrown : new TurnqError('MESSAGE_UNDECODABLE', { message: String(thrown) });
    return { ok: false, error, reply: errorReplyFor(message.headers, error) };
  }
}

/** The error reply owed to the sender of a message turnq will not run, if it has a reply address. */
export function errorReplyFor(headers: unknown, error: TurnqError): { address: string; reply: Reply } | undefined {
  const address = replyAddressOf(headers);
  return address === undefined
    ? undefined
    : { address: address.replyTo, reply: { correlationId: address.correlationId, status: 'error', error: error.toWire() } };
}

export function encodeReply(reply: Reply): WireMessage {
  const headers: WireHeaders = {
    [HEADER.protocol]: PROTOCOL_VERSION,
    [HEADER.correlationId]: reply.correlationId,
    [HEADER.status]: reply.status,
  };
  const body = reply.status === 'ok' ? { status: 'ok', result: reply.result ?? null } : { status: 'error', error: reply.error };
  return { headers, body: JSON.stringify(body) };
}

export function decodeReply(message: WireMessage): Reply {
  const correlationId = required(message.headers, HEADER.correlationId);
  let payload: unknown;
  try {
    payload = JSON.parse(bodyText(message.body));
  } catch {
    throw invalid('reply body is not JSON', 'MESSAGE_UNDECODABLE');
  }
  const p = payload as { status?: unknown; result?: unknown; error?: unknown } | null;
  if (p?.status === 'ok') return { correlationId, status: 'ok', result: p.result };
  if (p?.status === 'error' && typeof p.error === 'object' && p.error !== null) {
    const e = p.error as Partial<WireError>;
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      return { correlationId, status: 'error', error: { ...e, code: e.code, message: e.message, retryable: e.retryable === true } };
    }
  }
  throw invalid('reply body must be {"status":"ok","result":...} or {"status":"error","error":{code,message}}');
}

/** A control message (JSON text, docs/protocol.md); MESSAGE_UNDECODABLE when it is not a known one. */
export function decodeControl(text: string): ControlMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('control message is not JSON', 'MESSAGE_UNDECODABLE');
  }
  const m = value as Partial<Record<keyof ControlMessage, unknown>> | null;
  if (
    m?.kind !== 'cancel' ||
    typeof m.messageId !== 'string' ||
    typeof m.actorType !== 'string' ||
    typeof m.actorId !== 'string' ||
    typeof m.deadline !== 'number'
  ) {
    throw invalid('control message must be {"kind":"cancel",messageId,actorType,actorId,deadline}', 'MESSAGE_UNDECODABLE');
  }
  return { kind: 'cancel', messageId: m.messageId, actorType: m.actorType, actorId: m.actorId, deadline: m.deadline };
}
