import { HANDLED_RECORD_LIMIT, type HandledMessage, type LoadedState, type StateStore, type StateWrite } from './state-store.js';

interface Record {
  json: string;
  handled: HandledMessage[];
}

/** Keeps state in this process: the embedded default, and what tests use. */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly #records = new Map<string, Record>();

  load(actorKey: string): Promise<LoadedState> {
    const record = this.#records.get(actorKey);
    return Promise.resolve(record === undefined ? { json: undefined, handled: [] } : { json: record.json, handled: [...record.handled] });
  }

  save(actorKey: string, write: StateWrite): Promise<void> {
    const record = this.#records.get(actorKey);
    if (record === undefined) {
      this.#records.set(actorKey, { json: write.json, handled: write.handled.slice(-HANDLED_RECORD_LIMIT) });
      return Promise.resolve();
    }
    record.json = write.json;
    record.handled.push(...write.handled);
    if (record.handled.length > HANDLED_RECORD_LIMIT) record.handled.splice(0, record.handled.length - HANDLED_RECORD_LIMIT);
    return Promise.resolve();
  }

  /** The stored JSON of an actor (tests and tools). */
  peek(actorKey: string): unknown {
    const record = this.#records.get(actorKey);
    return record === undefined ? undefined : JSON.parse(record.json);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
