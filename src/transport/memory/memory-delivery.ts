import type { TurnqError } from '../../errors/turnq-error.js';
import type { WireMessage } from '../../protocol/codec.js';
import type { Invocation, Lane } from '../../protocol/invocation.js';
import type { Delivery } from '../transport.js';
import type { MemoryBroker, MemoryConsumer, MemoryQueue, QueuedMessage } from './memory-broker.js';

/** What every delivery of one consumer shares: made once when the consumer attaches. */
export interface ConsumerBinding {
  readonly queue: MemoryQueue;
  readonly consumer: MemoryConsumer;
  readonly broker: MemoryBroker;
  readonly lane: Lane;
  readonly onDeadLetter: ((code: string, reason: string) => void) | undefined;
}

/** Ends an unacked entry once; a runnable (unparked) one frees its room in the window. */
export function settleEntry(binding: ConsumerBinding, entry: QueuedMessage, parked: boolean): boolean {
  if (!binding.consumer.unacked.delete(entry)) return false;
  if (!parked) binding.consumer.inFlight--;
  binding.queue.schedule();
  return true;
}

/** Records a settled entry in the broker's dead letters, with the error's code as reason. */
export function recordDeadLetter(binding: ConsumerBinding, message: WireMessage | Invocation, error: TurnqError): void {
  binding.broker.deadLetters.push({ queue: binding.queue.name, message, code: error.code, reason: error.message });
  binding.onDeadLetter?.(error.code, error.message);
}

/** One delivery of the memory transport: settles its queue entry once, keeps the window's count. */
export class MemoryDelivery implements Delivery {
  readonly invocation: Invocation;
  readonly #binding: ConsumerBinding;
  readonly #entry: QueuedMessage;
  #parked = false;
  #settled = false;

  constructor(invocation: Invocation, binding: ConsumerBinding, entry: QueuedMessage) {
    this.invocation = invocation;
    this.#binding = binding;
    this.#entry = entry;
  }

  get lane(): Lane {
    return this.#binding.lane;
  }

  get redeliveries(): number {
    return this.#entry.redeliveries;
  }

  #settle(): boolean {
    if (this.#settled || !settleEntry(this.#binding, this.#entry, this.#parked)) return false;
    this.#settled = true;
    return true;
  }

  ack(): void {
    this.#settle();
  }

  requeue(): void {
    if (this.#settle()) this.#binding.queue.returnToFront([this.#entry]);
  }

  deadLetter(error: TurnqError): void {
    if (this.#settle()) recordDeadLetter(this.#binding, this.#entry.message ?? this.invocation, error);
  }

  park(): void {
    if (this.#parked || this.#settled) return;
    this.#parked = true;
    this.#binding.consumer.inFlight--;
    this.#binding.queue.schedule();
  }

  unpark(): void {
    if (!this.#parked || this.#settled) return;
    this.#parked = false;
    this.#binding.consumer.inFlight++;
  }
}
