/**
 * The messages an activation has handled recently, with their results, so that a message delivered
 * again (a caller's retry with the same message id, or a broker's redelivery) is answered with the
 * recorded result instead of being applied twice.
 *
 * A ring of `capacity` entries scanned linearly. Ids are kept as 52-bit numbers in a Float64Array, not
 * as strings: records kept alive long enough to reach the old generation made the garbage collector
 * the largest cost of a call. Two different ids share a key with a probability of about 2^-52 per
 * pair. A counting filter (how many kept keys fall in each of FILTER_SLOTS buckets) answers most
 * look-ups of a new id without the scan: every delivery asks. Messages handled since the last save are
 * also kept whole, with the reply that was sent, until the save (the store records them,
 * HANDLED_RECORD_LIMIT per actor, and a new activation loads them).
 */
import type { Reply } from '../protocol/invocation.js';
import { HANDLED_RECORD_LIMIT, type HandledMessage } from '../state/state-store.js';

/** A handled one-way send: there is no reply to send again. */
export const NO_REPLY: unique symbol = Symbol('no-reply');

/**
 * 52 bits of a message id: two FNV-1a hashes of the whole id, the second finished with a mix so that
 * its low bits (the filter's buckets) depend on every character. Every id is hashed whole: a prefix of
 * the id (it was the first 13 hex digits) makes ids that share it, as time-ordered ids do, one key.
 */
export function idKey(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  b ^= b >>> 15;
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 12;
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

const NONE: readonly HandledMessage[] = Object.freeze([]);

/** Buckets of the counting filter (a power of two); with 32 keys kept, about 78% of them are empty. */
const FILTER_SLOTS = 128;

/** The key's low bits (a 52-bit key: `&` takes its low 32 bits exactly, without a float modulo). */
function bucketOf(key: number): number {
  return key & (FILTER_SLOTS - 1);
}

export class HandledRecord {
  readonly #keys: Float64Array;
  /** Kept keys per bucket (see bucketOf). */
  readonly #filter: Uint8Array;
  readonly #results: unknown[] = [];
  #size = 0;
  #next = 0;
  /**
   * Handled since the last save; null when none. Made by the first `add` after a save and handed to the
   * store whole, so the array lives for one turn: an empty array kept from one save to the next (on
   * every activation) made the garbage collector promote arrays and the records put in them.
   */
  #unsaved: HandledMessage[] | null = null;

  constructor(readonly capacity = HANDLED_RECORD_LIMIT) {
    // One buffer for the keys and the filter: one block of memory per activation, not two.
    const buffer = new ArrayBuffer(capacity * Float64Array.BYTES_PER_ELEMENT + FILTER_SLOTS);
    this.#keys = new Float64Array(buffer, 0, capacity);
    this.#filter = new Uint8Array(buffer, capacity * Float64Array.BYTES_PER_ELEMENT, FILTER_SLOTS);
  }

  static from(handled: readonly HandledMessage[], capacity = HANDLED_RECORD_LIMIT): HandledRecord {
    const record = new HandledRecord(capacity);
    for (const h of handled.slice(-capacity)) record.#put(idKey(h.messageId), h.reply === null ? NO_REPLY : h.reply.result);
    return record;
  }

  /** Index of the message whose `idKey` is `key` (computed once per delivery), or -1. */
  indexOf(key: number): number {
    if (this.#filter[bucketOf(key)] === 0) return -1;
    const keys = this.#keys;
    for (let i = 0; i < this.#size; i++) if (keys[i] === key) return i;
    return -1;
  }

  resultAt(index: number): unknown {
    return this.#results[index];
  }

  #put(key: number, result: unknown): void {
    const filter = this.#filter;
    if (this.#size === this.capacity) {
      const evicted = bucketOf(this.#keys[this.#next] ?? 0);
      filter[evicted] = (filter[evicted] ?? 1) - 1;
    }
    const bucket = bucketOf(key);
    filter[bucket] = (filter[bucket] ?? 0) + 1;
    this.#keys[this.#next] = key;
    this.#results[this.#next] = result;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /**
   * Records a handled message with the reply it sent (null for a one-way send, which has none); `key`
   * is its `idKey`.
   */
  add(messageId: string, reply: Reply | null, key: number): void {
    this.#put(key, reply === null ? NO_REPLY : reply.result);
    const unsaved = this.#unsaved;
    if (unsaved === null) this.#unsaved = [{ messageId, reply }];
    else {
      unsaved.push({ messageId, reply });
      if (unsaved.length > 2 * HANDLED_RECORD_LIMIT) this.#unsaved = unsaved.slice(-HANDLED_RECORD_LIMIT);
    }
  }

  /** The messages handled since the last call, oldest first, as the store records them. */
  takeUnsaved(): readonly HandledMessage[] {
    const unsaved = this.#unsaved;
    if (unsaved === null) return NONE;
    this.#unsaved = null;
    return unsaved.length > HANDLED_RECORD_LIMIT ? unsaved.slice(-HANDLED_RECORD_LIMIT) : unsaved;
  }
}
