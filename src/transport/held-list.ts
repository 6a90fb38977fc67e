/**
 * The deliveries a consumer holds (not yet settled), in delivery order: a doubly linked list threaded
 * through the entries themselves. Holding and settling allocate nothing, and a settled entry's links
 * are cut, so it keeps no later entry alive.
 *
 * Why not a `Set`: a set that every delivery enters and leaves rehashes into new tables, and V8 links
 * an obsolete table to its successor; once one table sits in the old generation, the chain keeps every
 * later table and what it holds alive through every scavenge until the next mark-compact (see
 * src/protocol/id-map.ts and docs/performance.md).
 */
export interface HeldEntry<T> {
  /** The list holding the entry (compared by identity), and its neighbours there; all undefined while it is not held. */
  holder: object | undefined;
  prev: T | undefined;
  next: T | undefined;
}

export class HeldList<T extends HeldEntry<T>> {
  #head: T | undefined;
  #tail: T | undefined;

  add(entry: T): void {
    entry.holder = this;
    entry.prev = this.#tail;
    entry.next = undefined;
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
  }

  /** Removes `entry`; false if this list does not hold it (already settled, or another consumer's). */
  delete(entry: T): boolean {
    if (entry.holder !== this) return false;
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.holder = entry.prev = entry.next = undefined;
    return true;
  }

  /** The entries held, in delivery order (a copy: the list may change meanwhile). */
  toArray(): T[] {
    const entries: T[] = [];
    for (let entry = this.#head; entry !== undefined; entry = entry.next) entries.push(entry);
    return entries;
  }

  /** Removes every entry, returning them in delivery order. */
  takeAll(): T[] {
    const entries = this.toArray();
    for (const entry of entries) entry.holder = entry.prev = entry.next = undefined;
    this.#head = this.#tail = undefined;
    return entries;
  }
}
