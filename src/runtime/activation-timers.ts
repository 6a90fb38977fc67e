/**
 * The timers of one activation. A due timer does not run its callback itself: it hands the activation
 * a piece of work in a call chain of its own (a fresh reentrancy id, an empty stack), which takes the
 * actor's lock like a call. So a callback can call `B`, which calls back into the actor: `A -> B -> A`
 * from a timer works (it deadlocks in Dapr, whose timers carry no reentrancy id).
 */
import type { TimerOptions } from '../actor/actor-types.js';
import { parseDuration } from '../config/duration.js';
import { randomId } from '../protocol/ids.js';
import { NO_DEADLINE, ROOT_STACK, type Invocation } from '../protocol/invocation.js';
import type { Work } from './work.js';

export interface TimerOwner {
  readonly type: string;
  readonly id: string;
  /** False while the activation cannot take work (loading, deactivating, draining). */
  acceptsTimers(): boolean;
  timerFired(name: string, reentrancyId: string): void;
  deliver(work: Work): void;
}

export class ActivationTimers {
  readonly #owner: TimerOwner;
  #timers: Map<string, NodeJS.Timeout> | null = null;

  constructor(owner: TimerOwner) {
    this.#owner = owner;
  }

  register(name: string, callback: () => unknown, options: TimerOptions): void {
    const due = parseDuration(options.dueTime, `timer ${name} dueTime`);
    const period = options.period === undefined ? undefined : parseDuration(options.period, `timer ${name} period`);
    this.unregister(name);
    const timers = (this.#timers ??= new Map());
    const fire = (): void => {
      if (!this.#owner.acceptsTimers()) return;
      if (period === undefined) timers.delete(name);
      else timers.set(name, setTimeout(fire, period).unref());
      const reentrancyId = randomId();
      this.#owner.timerFired(name, reentrancyId);
      const inv: Invocation = {
        messageId: randomId(),
        actorType: this.#owner.type,
        actorId: this.#owner.id,
        method: `timer:${name}`,
        args: [],
        reentrancyId,
        stack: ROOT_STACK,
        depth: 1,
        deadline: NO_DEADLINE,
      };
      // A timer callback is never recorded as handled: its key is never used.
      this.#owner.deliver({ inv, lane: 'shard', delivery: undefined, timer: { name, callback }, idKey: -1 });
    };
    timers.set(name, setTimeout(fire, due).unref());
  }

  unregister(name: string): boolean {
    const timer = this.#timers?.get(name);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.#timers?.delete(name);
    return true;
  }

  stop(): void {
    for (const timer of this.#timers?.values() ?? []) clearTimeout(timer);
    this.#timers = null;
  }
}
