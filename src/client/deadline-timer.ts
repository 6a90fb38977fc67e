/**
 * One timer for many deadlines: entries are put in 10 ms buckets and a single timer fires for the
 * earliest bucket. Much cheaper than a `setTimeout` per call when thousands are in flight (each distinct
 * duration would make Node build a timer list of its own).
 *
 * A bucket is a plain array with a count of its live entries: ending an entry (`settled`) only counts
 * down, with no search and no hashing, which matters since nearly every call ends long before its
 * deadline. The owner therefore says whether an entry still waits in a bucket (`isLive(entry,
 * bucket)`): the timer skips entries that ended, drops a bucket whose count reaches zero, and compacts
 * one that holds four times more ended entries than live ones. Entries should be small keys (the
 * client's are message ids), since an ended one stays in its bucket until then.
 */
const BUCKET_MS = 10;
const COMPACT_MIN = 64;

interface Bucket<E> {
  entries: E[];
  live: number;
}

export class DeadlineTimer<E> {
  readonly #buckets = new Map<number, Bucket<E>>();
  readonly #onExpire: (entry: E) => void;
  readonly #isLive: (entry: E, bucket: number) => boolean;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  /** `isLive(entry, bucket)`: true while the entry waits in that bucket, false once it was `settled`. */
  constructor(onExpire: (entry: E) => void, isLive: (entry: E, bucket: number) => boolean) {
    this.#onExpire = onExpire;
    this.#isLive = isLive;
  }

  /** Returns the bucket to pass to `settled`. */
  add(entry: E, deadline: number): number {
    const bucket = Math.ceil(deadline / BUCKET_MS);
    const found = this.#buckets.get(bucket);
    if (found === undefined) this.#buckets.set(bucket, { entries: [entry], live: 1 });
    else {
      found.entries.push(entry);
      found.live++;
    }
    if (bucket < this.#armedFor) this.#arm(bucket);
    return bucket;
  }

  /** The entry added to `bucket` ended (call once per entry, after `isLive` turned false for it). */
  settled(bucket: number): void {
    const found = this.#buckets.get(bucket);
    if (found === undefined) return;
    if (--found.live === 0) this.#buckets.delete(bucket);
    else if (found.entries.length >= COMPACT_MIN && found.live * 4 < found.entries.length) {
      found.entries = found.entries.filter((entry) => this.#isLive(entry, bucket));
    }
  }

  #arm(bucket: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = bucket;
    this.#timer = setTimeout(
      () => {
        this.#fire();
      },
      Math.max(0, bucket * BUCKET_MS - Date.now()),
    );
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [bucket, found] of this.#buckets) {
      if (bucket * BUCKET_MS <= now) {
        this.#buckets.delete(bucket);
        for (const entry of found.entries) if (this.#isLive(entry, bucket)) this.#onExpire(entry);
      } else if (bucket < next) {
        next = bucket;
      }
    }
    if (next !== Number.POSITIVE_INFINITY && next < this.#armedFor) this.#arm(next);
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#buckets.clear();
    this.#armedFor = Number.POSITIVE_INFINITY;
  }
}
