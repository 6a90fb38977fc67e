import type { TurnqError } from '../../errors/turnq-error.js';
import type { Invocation, Lane } from '../../protocol/invocation.js';
import type { Delivery } from '../transport.js';
import type { MemoryBroker, MemoryConsumer, MemoryQueue, QueuedMessage } from './memory-broker.js';

/** One delivery of the memory transport: settles its queue entry once, keeps the window's count. */
export class MemoryDelivery implements Delivery {
  readonly invocation: Invocation;
  readonly lane: Lane;
  readonly redeliveries: number;
  #parked = false;
  #settled = false;
  readonly #queue: MemoryQueue;
  readonly #consumer: MemoryConsumer;
  readonly #entry: QueuedMessage;
  readonly #broker: MemoryBroker;
  readonly #onDeadLetter: ((code: string, reason: string) => void) | undefined;

  constructor(
    invocation: Invocation,
    lane: Lane,
    queue: MemoryQueue,
    consumer: MemoryConsumer,
    entry: QueuedMessage,
    broker: MemoryBroker,
    onDeadLetter: ((code: string, reason: string) => void) | undefined,
  ) {
    this.invocation = invocation;
    this.lane = lane;
    this.redeliveries = entry.redeliveries;
    this.#queue = queue;
    this.#consumer = consumer;
    this.#entry = entry;
    this.#broker = broker;
    this.#onDeadLetter = onDeadLetter;
  }

  #settle(): boolean {
    if (this.#settled || !this.#consumer.unacked.delete(this.#entry)) return false;
    this.#settled = true;
    if (!this.#parked) this.#consumer.inFlight--;
    this.#queue.schedule();
    return true;
  }

  ack(): void {
    this.#settle();
  }

  requeue(): void {
    if (this.#settle()) this.#queue.returnToFront([this.#entry]);
  }

  deadLetter(error: TurnqError): void {
    if (!this.#settle()) return;
    this.#broker.deadLetters.push({
      queue: this.#queue.name,
      message: this.#entry.message ?? this.invocation,
      code: error.code,
      reason: error.message,
    });
    this.#onDeadLetter?.(error.code, error.message);
  }

  park(): void {
    if (this.#parked || this.#settled) return;
    this.#parked = true;
    this.#consumer.inFlight--;
    this.#queue.schedule();
  }

  unpark(): void {
    if (!this.#parked || this.#settled) return;
    this.#parked = false;
    this.#consumer.inFlight++;
  }
}
