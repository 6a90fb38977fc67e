/**
 * The data of a BullMQ job carrying an invocation (docs/protocol.md), the same envelope as the
 * other transports: `{ "headers": { "<turnq-…>": "<string>", … }, "body": "<JSON text>" }`, where the
 * headers are the protocol headers of docs/protocol.md and the body the UTF-8 JSON text
 * `{"args":[…]}`. Replies pushed on a client's reply list use the same envelope (JSON text).
 */
import type { JobsOptions } from 'bullmq';
import { TurnqError } from '../../errors/turnq-error.js';
import { bodyText, decodeDelivered, errorReplyFor, type Decoded, type WireHeaders, type WireMessage } from '../../protocol/codec.js';

export interface JobEnvelope {
  headers: WireHeaders;
  body: string;
}

/** Options of every job turnq adds: completed jobs are deleted, nothing is retried by BullMQ. */
export const JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: 1000, attempts: 1 };

export function toEnvelope(message: WireMessage): JobEnvelope {
  return { headers: message.headers, body: bodyText(message.body) };
}

/** Reads a job's data as a wire message; MESSAGE_UNDECODABLE when it is not the documented envelope. */
export function fromEnvelope(data: unknown): WireMessage {
  if (typeof data !== 'object' || data === null)
    throw new TurnqError('MESSAGE_UNDECODABLE', { message: 'job data must be an object {headers, body}' });
  const { headers, body } = data as { headers?: unknown; body?: unknown };
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TurnqError('MESSAGE_UNDECODABLE', { message: 'job data needs a "headers" object of strings' });
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new TurnqError('MESSAGE_UNDECODABLE', { message: `header ${name} must be a string` });
  }
  if (typeof body !== 'string') throw new TurnqError('MESSAGE_UNDECODABLE', { message: 'job data needs a "body" string (JSON text)' });
  return { headers: headers as WireHeaders, body };
}

/** The headers of a job's data when they are readable, to answer an undecodable message. */
function headersOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null ? (data as { headers?: unknown }).headers : undefined;
}

/** Decodes a job's data as an invocation; an invalid job comes back with its coded error and error reply. */
export function decodeJob(data: unknown, maxBytes: number): Decoded {
  let message: WireMessage;
  try {
    message = fromEnvelope(data);
  } catch (thrown) {
    const error = thrown instanceof TurnqError ? thrown : new TurnqError('MESSAGE_UNDECODABLE', { message: String(thrown) });
    return { ok: false, error, reply: errorReplyFor(headersOf(data), error) };
  }
  return decodeDelivered(message, maxBytes);
}
