import { HANDLED_RECORD_LIMIT, type HandledMessage, type LoadedState, type StateStore, type StateWrite } from './state-store.js';

/**
 * The record of one actor. Handled messages are kept as two flat arrays (ids, results) trimmed in
 * batches, rather than objects per message: fewer long-lived objects for the garbage collector.
 */
interface StoredRecord {
  json: string;
  ids: string[];
  /** Result of each handled message; NO_RESULT for a one-way send. */
  results: unknown[];
}

const NO_RESULT: unique symbol = Symbol('no-result');

/** Keeps state in this process: the embedded default, and what tests use. */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly #records = new Map<string, StoredRecord>();

  load(actorKey: string): Promise<LoadedState> {
    const record = this.#records.get(actorKey);
    if (record === undefined) return Promise.resolve({ json: undefined, handled: [] });
    const from = Math.max(0, record.ids.length - HANDLED_RECORD_LIMIT);
    const handled: HandledMessage[] = [];
    for (let i = from; i < record.ids.length; i++) {
      const messageId = record.ids[i] as string;
      const result = record.results[i];
      handled.push({ messageId, reply: result === NO_RESULT ? null : { correlationId: messageId, status: 'ok', result } });
    }
    return Promise.resolve({ json: record.json, handled });
  }

  save(actorKey: string, write: StateWrite): Promise<void> {
    let record = this.#records.get(actorKey);
    if (record === undefined) {
      record = { json: write.json, ids: [], results: [] };
      this.#records.set(actorKey, record);
    }
    record.json = write.json;
    for (const handled of write.handled) {
      record.ids.push(handled.messageId);
      record.results.push(handled.reply === null ? NO_RESULT : handled.reply.result);
    }
    // Trimmed in batches: one copy per HANDLED_RECORD_LIMIT writes instead of a shift per write.
    if (record.ids.length >= 2 * HANDLED_RECORD_LIMIT) {
      record.ids = record.ids.slice(-HANDLED_RECORD_LIMIT);
      record.results = record.results.slice(-HANDLED_RECORD_LIMIT);
    }
    return Promise.resolve();
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
