/**
 * One timer for many deadlines: calls are put in 10 ms buckets and a single timer fires for the
 * earliest bucket. Much cheaper than a `setTimeout` per call when thousands are in flight (each distinct
 * duration would make Node build a timer list of its own).
 */
const BUCKET_MS = 10;

export class DeadlineTimer<K> {
  readonly #buckets = new Map<number, Set<K>>();
  readonly #onExpire: (key: K) => void;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(onExpire: (key: K) => void) {
    this.#onExpire = onExpire;
  }

  /** Returns the bucket to pass to `delete`. */
  add(key: K, deadline: number): number {
    const bucket = Math.ceil(deadline / BUCKET_MS);
    let keys = this.#buckets.get(bucket);
    if (keys === undefined) {
      keys = new Set();
      this.#buckets.set(bucket, keys);
    }
    keys.add(key);
    if (bucket < this.#armedFor) this.#arm(bucket);
    return bucket;
  }

  delete(key: K, bucket: number): void {
    const keys = this.#buckets.get(bucket);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) this.#buckets.delete(bucket);
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
    for (const [bucket, keys] of this.#buckets) {
      if (bucket * BUCKET_MS <= now) {
        this.#buckets.delete(bucket);
        for (const key of keys) this.#onExpire(key);
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
