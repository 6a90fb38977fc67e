import { hexValue } from '../protocol/ids.js';
import { HANDLED_RECORD_LIMIT, type HandledMessage, type LoadedState, type StateStore, type StateWrite } from './state-store.js';

/** A handled one-way send: no reply to send again. */
const NO_RESULT: unique symbol = Symbol('no-result');

/**
 * Packs a turnq id (32 lowercase hex digits) into `words[at..at+3]`, reading char codes through a
 * table (no substring, no parse: this runs for every handled message). False, with the words left
 * partly written, when the id is not of that form.
 */
function packHexId(id: string, words: Uint32Array, at: number): boolean {
  if (id.length !== 32) return false;
  let bad = 0;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = 8 * w; i < 8 * w + 8; i++) {
      const digit = hexValue(id.charCodeAt(i));
      bad |= digit;
      word = (word << 4) | (digit & 15); // int32 arithmetic; the Uint32Array store reads it unsigned
    }
    words[at + w] = word;
  }
  return (bad & 16) === 0;
}

/**
 * What the store keeps of one actor: its state as JSON and its handled messages, in one object (a save
 * touches one record, not a record and a ring). The handled messages are a ring of
 * HANDLED_RECORD_LIMIT slots allocated once. turnq's own ids (32 hex digits) are packed into four
 * 32-bit words, other ids kept as strings: no object per handled message outlives its save, which kept
 * the garbage collector busy promoting ids to the old generation when they were kept as strings.
 */
class StoredRecord {
  json: string;
  readonly #words = new Uint32Array(4 * HANDLED_RECORD_LIMIT);
  /** Ids that are not 32 hex digits, by slot (allocated on the first one). */
  #other: (string | undefined)[] | undefined;
  readonly #results: unknown[] = new Array<unknown>(HANDLED_RECORD_LIMIT);
  #next = 0;
  #size = 0;

  constructor(json: string) {
    this.json = json;
  }

  add(messageId: string, result: unknown): void {
    const slot = this.#next;
    if (packHexId(messageId, this.#words, 4 * slot)) {
      if (this.#other !== undefined) this.#other[slot] = undefined;
    } else {
      (this.#other ??= new Array<string | undefined>(HANDLED_RECORD_LIMIT))[slot] = messageId;
    }
    this.#results[slot] = result;
    this.#next = (slot + 1) % HANDLED_RECORD_LIMIT;
    if (this.#size < HANDLED_RECORD_LIMIT) this.#size++;
  }

  #idAt(slot: number): string {
    const other = this.#other?.[slot];
    if (other !== undefined) return other;
    let id = '';
    for (let w = 0; w < 4; w++) id += (this.#words[4 * slot + w] ?? 0).toString(16).padStart(8, '0');
    return id;
  }

  /** Oldest first. */
  list(): HandledMessage[] {
    const handled: HandledMessage[] = [];
    const first = (this.#next - this.#size + HANDLED_RECORD_LIMIT) % HANDLED_RECORD_LIMIT;
    for (let i = 0; i < this.#size; i++) {
      const slot = (first + i) % HANDLED_RECORD_LIMIT;
      const messageId = this.#idAt(slot);
      const result = this.#results[slot];
      handled.push({ messageId, reply: result === NO_RESULT ? null : { correlationId: messageId, status: 'ok', result } });
    }
    return handled;
  }
}

/** Keeps state in this process: the embedded default, and what tests use. Saves synchronously. */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly #records = new Map<string, StoredRecord>();

  load(actorKey: string): Promise<LoadedState> {
    const record = this.#records.get(actorKey);
    if (record === undefined) return Promise.resolve({ json: undefined, handled: [] });
    return Promise.resolve({ json: record.json, handled: record.list() });
  }

  save(actorKey: string, write: StateWrite): undefined {
    let record = this.#records.get(actorKey);
    if (record === undefined) {
      record = new StoredRecord(write.json);
      this.#records.set(actorKey, record);
    } else {
      record.json = write.json;
    }
    for (const handled of write.handled) record.add(handled.messageId, handled.reply === null ? NO_RESULT : handled.reply.result);
  }

  /** The stored state of an actor, parsed (tests and tools). */
  peek(actorKey: string): unknown {
    const record = this.#records.get(actorKey);
    return record === undefined ? undefined : JSON.parse(record.json);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
