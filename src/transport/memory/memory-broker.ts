/**
 * The in-process broker behind the memory transport: named FIFO queues with single-active-consumer
 * semantics and a prefetch window that parked deliveries do not count against, reply endpoints, a
 * control fan-out and a dead-letter list. Several MemoryTransport instances may share one broker to
 * play several processes in one.
 */
import type { WireMessage } from '../../protocol/codec.js';
import type { ControlMessage, Invocation, Reply } from '../../protocol/invocation.js';
import type { HeldEntry, HeldList } from '../held-list.js';

/**
 * A queued message: either a wire message (from `publishRaw`, decoded and validated on delivery like on
 * a broker) or an invocation published by turnq itself (arguments already JSON-copied).
 */
export interface QueuedMessage extends HeldEntry<QueuedMessage> {
  readonly message: WireMessage | undefined;
  readonly invocation: Invocation | undefined;
  readonly seq: number;
  redeliveries: number;
}

export interface DeadLetter {
  readonly queue: string;
  readonly message: WireMessage | Invocation;
  readonly code: string;
  readonly reason: string;
}

/** A consumer of one queue; only the first consumer of a queue is active. */
export interface MemoryConsumer {
  /** Runnable deliveries not yet acked. */
  inFlight: number;
  readonly prefetch: number;
  /**
   * Unacked deliveries, returned to the queue when the consumer is removed: a list threaded through
   * the entries (a Set made a new hash table each time it emptied, which it did after nearly every
   * delivery).
   */
  readonly unacked: HeldList<QueuedMessage>;
  deliver(entry: QueuedMessage): void;
}

export class MemoryQueue {
  readonly name: string;
  readonly consumers: MemoryConsumer[] = [];
  /** Delivered slots are cleared at once, so a consumed message is not kept alive by the queue. */
  #items: (QueuedMessage | undefined)[] = [];
  #head = 0;
  /** Already in the broker's list of queues to dispatch. */
  scheduled = false;
  readonly #broker: MemoryBroker;

  constructor(broker: MemoryBroker, name: string) {
    this.#broker = broker;
    this.name = name;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(entry: QueuedMessage): void {
    this.#items.push(entry);
    this.schedule();
  }

  /** Puts entries back at the front, in their original order. */
  returnToFront(entries: QueuedMessage[]): void {
    if (entries.length === 0) return;
    entries.sort((a, b) => a.seq - b.seq);
    for (const entry of entries) entry.redeliveries++;
    if (this.#head >= entries.length) {
      // Into the slots already consumed: no copy of what waits behind.
      this.#head -= entries.length;
      for (let i = 0; i < entries.length; i++) this.#items[this.#head + i] = entries[i];
    } else {
      this.#items = [...entries, ...(this.#items.slice(this.#head) as QueuedMessage[])];
      this.#head = 0;
    }
    this.schedule();
  }

  /** Dispatch in a microtask (one for all the queues of the broker that have something to do). */
  schedule(): void {
    if (!this.scheduled) this.#broker.schedule(this);
  }

  /** Something waits and the active consumer's window has room. */
  canDeliver(): boolean {
    const consumer = this.consumers[0];
    return consumer !== undefined && this.length > 0 && consumer.inFlight < consumer.prefetch;
  }

  /** Hands queued messages to the active consumer while its window has room. */
  dispatch(): void {
    const consumer = this.consumers[0];
    if (consumer === undefined) return;
    while (this.#head < this.#items.length && consumer.inFlight < consumer.prefetch && this.consumers[0] === consumer) {
      const entry = this.#items[this.#head] as QueuedMessage;
      this.#items[this.#head] = undefined;
      this.#head++;
      consumer.inFlight++;
      consumer.unacked.add(entry);
      consumer.deliver(entry);
    }
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

export class MemoryBroker {
  readonly queues = new Map<string, MemoryQueue>();
  readonly replyEndpoints = new Map<string, (reply: Reply) => void>();
  readonly controlListeners = new Set<(message: ControlMessage) => void>();
  readonly deadLetters: DeadLetter[] = [];
  #seq = 0;
  /** Queues to dispatch in the next microtask. */
  #ready: MemoryQueue[] = [];

  declare(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new MemoryQueue(this, name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  schedule(queue: MemoryQueue): void {
    queue.scheduled = true;
    this.#ready.push(queue);
    if (this.#ready.length === 1) {
      queueMicrotask(() => {
        this.#dispatchReady();
      });
    }
  }

  #dispatchReady(): void {
    // A queue's own loop sees the acks of synchronous turns it delivers; other queues scheduled meanwhile
    // join this round, and so does a queue whose consumer changed while it dispatched.
    const ready = this.#ready;
    for (let i = 0; i < ready.length; i++) {
      const queue = ready[i] as MemoryQueue;
      queue.dispatch();
      queue.scheduled = false;
      if (queue.canDeliver()) this.schedule(queue);
    }
    this.#ready = [];
  }

  enqueue(queue: MemoryQueue, message: WireMessage | undefined, invocation?: Invocation): void {
    queue.push({ message, invocation, seq: this.#seq++, redeliveries: 0, holder: undefined, prev: undefined, next: undefined });
  }
}
