/**
 * One shard queue as seen by one worker: tries to take the shard's lease (at start, then every
 * LEASE_RETRY_MS while another worker holds it), consumes the queue while it owns it, renews the lease
 * every LEASE_RENEW_MS, and stops consuming as soon as a renewal is refused, or fails for so long that
 * the lease may have expired (LEASE_TTL_MS minus one renewal period); while a renewal is late it does
 * not fetch. Deliveries carry the lease's epoch as their fence.
 */
import type { ConsumeSpec } from '../transport.js';
import { QueueConsumer, type ConsumerContext } from './queue-consumer.js';
import { LEASE_RENEW_MS, LEASE_RETRY_MS, LEASE_TTL_MS, releaseLease, renewLease, tryAcquire, type AcquiredLease } from './shard-lease.js';

export class ShardOwner {
  readonly queue: string;
  readonly #context: ConsumerContext;
  readonly #spec: ConsumeSpec;
  readonly #ns: string;
  #lease: AcquiredLease | undefined;
  #consumer: QueueConsumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #renewedAt = 0;
  #busy: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(context: ConsumerContext, spec: ConsumeSpec, ns: string, queue: string) {
    this.#context = context;
    this.#spec = spec;
    this.#ns = ns;
    this.queue = queue;
  }

  /** Makes a first attempt to take the shard, then keeps trying or renewing in the background. */
  async start(): Promise<void> {
    await this.#tick();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#busy = this.#tick().finally(() => {
          this.#schedule();
        });
      },
      this.#lease === undefined ? LEASE_RETRY_MS : LEASE_RENEW_MS,
    );
  }

  async #tick(): Promise<void> {
    const redis = this.#context.redis;
    try {
      if (this.#lease === undefined) {
        const lease = await tryAcquire(redis, this.#ns, this.queue, this.#spec.workerId);
        if (lease === undefined || this.#closed) {
          if (lease !== undefined) await releaseLease(redis, this.#ns, this.queue, lease.value);
          return;
        }
        this.#lease = lease;
        this.#renewedAt = Date.now();
        if (lease.reclaimed > 0)
          this.#context.logger.info({ queue: this.queue, epoch: lease.epoch, reclaimed: lease.reclaimed }, 'shard taken over');
        this.#consumer = new QueueConsumer(this.#context, this.#spec, this.queue, 'shard', this.#spec.prefetch, {
          fence: { scope: this.queue, epoch: lease.epoch },
          mayFetch: () => this.#leaseFresh(),
        });
        await this.#consumer.start();
        return;
      }
      if (await renewLease(redis, this.#ns, this.queue, this.#lease.value)) {
        this.#renewedAt = Date.now();
        return;
      }
      this.#context.logger.warn({ queue: this.queue, epoch: this.#lease.epoch }, 'shard lease lost to another worker');
      await this.#stopConsuming();
    } catch (error) {
      this.#context.logger.warn({ err: error, queue: this.queue }, 'shard lease operation failed');
      if (this.#lease !== undefined && !this.#leaseFresh()) {
        this.#context.logger.warn({ queue: this.queue, epoch: this.#lease.epoch }, 'shard lease not renewed in time: stopping');
        await this.#stopConsuming();
      }
    }
  }

  /**
   * The lease is surely still ours: renewed less than LEASE_TTL_MS minus one renewal period ago. The
   * consumer fetches only then, so a renewal that is late (Redis slow, event loop blocked) cannot let
   * it take jobs after the lease lapsed and another worker took the shard.
   */
  #leaseFresh(): boolean {
    return Date.now() - this.#renewedAt <= LEASE_TTL_MS - LEASE_RENEW_MS;
  }

  /** Lease lost: stop fetching at once; jobs still locked by us go back (the new owner takes the rest). */
  async #stopConsuming(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    this.#lease = undefined;
    await consumer?.close(true);
  }

  /** Clean close: every job held goes back to the front of the queue, then the lease is released. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#busy;
    const lease = this.#lease;
    await this.#consumer?.close(true);
    this.#consumer = undefined;
    this.#lease = undefined;
    if (lease !== undefined) {
      try {
        await releaseLease(this.#context.redis, this.#ns, this.queue, lease.value);
      } catch (error) {
        this.#context.logger.warn({ err: error, queue: this.queue }, 'releasing the shard lease failed; it expires by itself');
      }
    }
  }
}
