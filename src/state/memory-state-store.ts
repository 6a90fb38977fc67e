import { hexValue } from '../protocol/ids.js';
import { HANDLED_RECORD_LIMIT, type HandledMessage, type LoadedState, type StateStore, type StateWrite } from './state-store.js';

/** A handled one-way send: no reply to send again. */
const NO_RESULT: unique symbol = Symbol('no-result');

/** Hex digits per packed word: 28 bits, a small integer that an array holds unboxed. */
const DIGITS_PER_WORD = 7;
/** Words per id: four of 7 digits and one of 4 (32 digits). */
const WORDS_PER_ID = 5;
/** A slot of the ring: the id's words, then the result. */
const SLOT = WORDS_PER_ID + 1;

/**
 * Packs a turnq id (32 lowercase hex digits) into `slots[at..at+4]`, reading char codes through a
 * table (no substring, no parse: this runs for every handled message). False, with the words left
 * partly written, when the id is not of that form.
 */
function packHexId(id: string, slots: unknown[], at: number): boolean {
  if (id.length !== 32) return false;
  let bad = 0;
  for (let w = 0; w < WORDS_PER_ID; w++) {
    let word = 0;
    const end = Math.min(32, DIGITS_PER_WORD * (w + 1));
    for (let i = DIGITS_PER_WORD * w; i < end; i++) {
      const digit = hexValue(id.charCodeAt(i));
      bad |= digit;
      word = (word << 4) | (digit & 15);
    }
    slots[at + w] = word;
  }
  return (bad & 16) === 0;
}

/**
 * What the store keeps of one actor: its state as JSON and its last HANDLED_RECORD_LIMIT handled
 * messages. The messages are a ring in one array allocated with the record, slot by slot the id's
 * words and the result, so that a save touches the record and one slot of that array, and no object
 * per handled message outlives its save (ids kept as strings were most of what the garbage collector
 * promoted to the old generation). turnq's own ids (32 hex digits) are packed into five small
 * integers; another id is kept as its string in the slot's first word.
 */
class StoredRecord {
  json: string;
  readonly #slots: unknown[] = new Array<unknown>(SLOT * HANDLED_RECORD_LIMIT).fill(0);
  #next = 0;
  #size = 0;

  constructor(json: string) {
    this.json = json;
  }

  add(messageId: string, result: unknown): void {
    const at = SLOT * this.#next;
    if (!packHexId(messageId, this.#slots, at)) this.#slots[at] = messageId;
    this.#slots[at + WORDS_PER_ID] = result;
    this.#next = (this.#next + 1) % HANDLED_RECORD_LIMIT;
    if (this.#size < HANDLED_RECORD_LIMIT) this.#size++;
  }

  #idAt(at: number): string {
    const first = this.#slots[at];
    if (typeof first === 'string') return first;
    let id = '';
    for (let w = 0; w < WORDS_PER_ID; w++) {
      const digits = Math.min(32, DIGITS_PER_WORD * (w + 1)) - DIGITS_PER_WORD * w;
      id += (this.#slots[at + w] as number).toString(16).padStart(digits, '0');
    }
    return id;
  }

  /** Oldest first. */
  list(): HandledMessage[] {
    const handled: HandledMessage[] = [];
    const first = (this.#next - this.#size + HANDLED_RECORD_LIMIT) % HANDLED_RECORD_LIMIT;
    for (let i = 0; i < this.#size; i++) {
      const at = SLOT * ((first + i) % HANDLED_RECORD_LIMIT);
      const messageId = this.#idAt(at);
      const result = this.#slots[at + WORDS_PER_ID];
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
    }
    record.json = write.json;
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
