/**
 * A map from string keys (message ids) to values for entries that come and go all the time: the
 * client's pending calls, the AMQP publisher's publishes and calls waiting for a reply, the jobs a BullMQ
 * consumer holds. Open addressing with linear probing in arrays kept from one operation to the next
 * (replaced only when the map grows, or when it empties from a large size); a deleted entry's slot is
 * filled at once by the entry that follows it in its probe run (backward-shift deletion), so there are
 * no tombstones and no rehash on delete.
 *
 * Why not a `Map`: V8's `Map` rehashes its table into a new one as deletions pile up, and an obsolete
 * table keeps a link to its successor (for iterators still walking it). Once a mark-compact has moved
 * one table to the old generation, that dead table keeps the next one alive through every scavenge,
 * that one the next, and so on until the next mark-compact: every entry of every table in between, and
 * what it holds, is copied and promoted. With 128 calls in flight this kept about 2.5 MB alive per
 * scavenge instead of about 100 KB (docs/performance.md, "A Map churned by calls"). An object used as a
 * dictionary avoids that chain but interns every key in V8's string table.
 *
 * Iteration (`keys`, `values`, `entries`) is over a copy, in no particular order; the map may change meanwhile.
 */
const MIN_CAPACITY = 16;
/** Slots above which an emptied map gives its table back (8,192 slots: 4,096 entries). */
const SHRINK_ABOVE = 8192;

/** FNV-1a over the UTF-16 code units, then a finalizer so that the low bits depend on every unit. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash;
}

export class IdMap<V> {
  #keys: (string | undefined)[];
  #values: (V | undefined)[];
  /** Each slot's key hash (valid where a key is): probe positions without hashing the key again. */
  #hashes: Int32Array;
  #mask: number;
  #size = 0;
  /**
   * The last key hashed and its hash: a caller's `get` then `set` (or `delete`) of one key hashes it
   * once. A different key costs one string comparison, which for two ids ends at their first differing
   * character.
   */
  #lastKey = '';
  #lastHash = hashOf('');

  constructor(capacity = MIN_CAPACITY) {
    let slots = MIN_CAPACITY;
    while (slots < capacity * 2) slots *= 2;
    this.#keys = new Array<string | undefined>(slots).fill(undefined);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  #hash(key: string): number {
    if (key !== this.#lastKey) {
      this.#lastKey = key;
      this.#lastHash = hashOf(key);
    }
    return this.#lastHash;
  }

  /**
   * The slot holding `key`, or else the empty slot that ends its probe run (where it would go). The
   * table is never more than half full, so there is always one.
   */
  #slotOf(key: string, hash: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    let slot = hash & mask;
    for (let found = keys[slot]; found !== undefined && found !== key; found = keys[slot]) slot = (slot + 1) & mask;
    return slot;
  }

  get(key: string): V | undefined {
    const slot = this.#slotOf(key, this.#hash(key));
    return this.#keys[slot] === undefined ? undefined : this.#values[slot];
  }

  has(key: string): boolean {
    return this.#keys[this.#slotOf(key, this.#hash(key))] !== undefined;
  }

  set(key: string, value: V): this {
    const hash = this.#hash(key);
    const slot = this.#slotOf(key, hash);
    const keys = this.#keys;
    this.#values[slot] = value;
    if (keys[slot] !== undefined) return this;
    keys[slot] = key;
    this.#hashes[slot] = hash;
    this.#size++;
    // At most half full: probe runs stay short.
    if (this.#size * 2 > keys.length) this.#resize(keys.length * 2);
    return this;
  }

  delete(key: string): boolean {
    const slot = this.#slotOf(key, this.#hash(key));
    if (this.#keys[slot] === undefined) return false;
    this.#removeAt(slot);
    return true;
  }

  /** Removes `key` and gives its value (undefined if absent): a `get` and a `delete` in one probe. */
  take(key: string): V | undefined {
    const slot = this.#slotOf(key, this.#hash(key));
    if (this.#keys[slot] === undefined) return undefined;
    const value = this.#values[slot];
    this.#removeAt(slot);
    return value;
  }

  #removeAt(removed: number): void {
    let slot = removed;
    const keys = this.#keys;
    const values = this.#values;
    const hashes = this.#hashes;
    const mask = this.#mask;
    // Backward shift: pull later entries of the run into the hole while that keeps them reachable.
    for (let next = (slot + 1) & mask; ; next = (next + 1) & mask) {
      const moving = keys[next];
      if (moving === undefined) break;
      const home = (hashes[next] ?? 0) & mask;
      // `moving` may fill the hole unless its home lies cyclically in (slot, next].
      const stays = slot <= next ? home > slot && home <= next : home > slot || home <= next;
      if (stays) continue;
      keys[slot] = moving;
      values[slot] = values[next];
      hashes[slot] = hashes[next] ?? 0;
      slot = next;
    }
    keys[slot] = undefined;
    values[slot] = undefined;
    // Emptied after a burst: back to the smallest table. Never shrunk otherwise: calls in flight come and
    // go in batches (all answered, then all sent again), and a table resized with each batch costs more
    // than the slots it frees.
    if (--this.#size === 0 && keys.length > SHRINK_ABOVE) this.#resize(MIN_CAPACITY);
  }

  #resize(slots: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const hashes = this.#hashes;
    this.#keys = new Array<string | undefined>(slots).fill(undefined);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#mask = slots - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      const hash = hashes[i] ?? 0;
      let slot = hash & this.#mask;
      while (this.#keys[slot] !== undefined) slot = (slot + 1) & this.#mask;
      this.#keys[slot] = key;
      this.#values[slot] = values[i];
      this.#hashes[slot] = hash;
    }
    // The old arrays are garbage now; emptied, a copy that reached the old generation keeps nothing alive.
    keys.fill(undefined);
    values.fill(undefined);
  }

  keys(): string[] {
    const keys: string[] = [];
    for (const key of this.#keys) if (key !== undefined) keys.push(key);
    return keys;
  }

  entries(): [string, V][] {
    const entries: [string, V][] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      const key = this.#keys[i];
      if (key !== undefined) entries.push([key, this.#values[i] as V]);
    }
    return entries;
  }

  values(): V[] {
    const values: V[] = [];
    for (let i = 0; i < this.#keys.length; i++) if (this.#keys[i] !== undefined) values.push(this.#values[i] as V);
    return values;
  }

  clear(): void {
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#size = 0;
    // Emptied from a large size: the smallest table again (nothing left to copy).
    if (this.#keys.length > SHRINK_ABOVE) this.#resize(MIN_CAPACITY);
  }
}
