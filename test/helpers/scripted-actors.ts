/**
 * Actors that run a call plan given as argument: nested calls (in sequence or in parallel), one-way
 * sends, waiting on a latch, failing, touching state. One implementation under several type names, so a
 * test can configure reentrancy per type. Every turn checks that no two chains overlap on its actor.
 */
import { Actor } from '../../src/actor/actor.js';
import { latches } from './latches.js';

export interface PlanCall {
  type: string;
  id: string;
  plan: Plan;
  /** Catch the callee's error and report its code instead of failing. */
  catchError?: boolean;
  timeout?: number;
}

export interface Plan {
  /** Raise this latch when the turn starts. */
  signal?: string;
  /** Wait for this latch before making calls. */
  waitFor?: string;
  calls?: PlanCall[];
  parallel?: boolean;
  sends?: { type: string; id: string; plan: Plan }[];
  /** Add this to state.count. */
  add?: number;
  /** Throw an error with this code at the end. */
  fail?: string;
  /** Label recorded in the journal. */
  label?: string;
  /** Yield to the event loop before making calls (lets turns of one chain interleave). */
  yield?: boolean;
}

export interface Trace {
  actor: string;
  depth: number;
  reentrancyId: string;
  /** The callers on this turn's stack, `actor.method`, root first. */
  callers: string[];
  /** The chain's absolute deadline as this turn received it. */
  deadline: number;
  children: (Trace | { error: string })[];
}

/** Journal of enters and exits, per test key prefix (actor ids start with the test's prefix). */
export const journal: string[] = [];

/** Violations of "turns of different chains never overlap on one actor". */
export const overlaps: string[] = [];

const holders = new Map<string, { chain: string; count: number }>();

function enter(key: string, chain: string): void {
  const holder = holders.get(key);
  if (holder !== undefined && holder.count > 0 && holder.chain !== chain) {
    overlaps.push(`${key}: chain ${chain} entered while ${holder.chain} runs`);
  }
  if (holder === undefined || holder.count === 0) holders.set(key, { chain, count: 1 });
  else holder.count++;
}

function exit(key: string): void {
  const holder = holders.get(key);
  if (holder !== undefined) holder.count--;
}

class ScriptedActor extends Actor<{ count: number; labels: string[] }> {
  protected override initialState(): { count: number; labels: string[] } {
    return { count: 0, labels: [] };
  }

  async run(plan: Plan): Promise<Trace> {
    const turn = this.turn;
    if (turn === undefined) throw new Error('no turn');
    enter(this.key, turn.reentrancyId);
    journal.push(`enter ${this.key} ${plan.label ?? ''}`.trim());
    try {
      if (plan.signal !== undefined) latches.open(plan.signal);
      if (plan.add !== undefined) this.state.count += plan.add;
      if (plan.label !== undefined) this.state.labels.push(plan.label);
      if (plan.waitFor !== undefined) {
        exit(this.key);
        await latches.wait(plan.waitFor);
        enter(this.key, turn.reentrancyId);
      }
      if (plan.yield === true) {
        exit(this.key);
        await new Promise<void>((resolve) => setImmediate(resolve));
        enter(this.key, turn.reentrancyId);
      }
      const children: Trace['children'] = [];
      const one = async (call: PlanCall): Promise<Trace | { error: string }> => {
        const proxy = this.actor<ScriptedActor>(call.type, call.id, call.timeout === undefined ? undefined : { timeout: call.timeout });
        exit(this.key);
        try {
          return await proxy.run(call.plan);
        } catch (error) {
          if (call.catchError === true) return { error: (error as { code?: string }).code ?? 'NO_CODE' };
          throw error;
        } finally {
          enter(this.key, turn.reentrancyId);
        }
      };
      if (plan.parallel === true) children.push(...(await Promise.all((plan.calls ?? []).map(one))));
      else for (const call of plan.calls ?? []) children.push(await one(call));
      for (const send of plan.sends ?? []) await this.send<ScriptedActor>(send.type, send.id).run(send.plan);
      if (plan.fail !== undefined) throw Object.assign(new Error(`planned failure ${plan.fail}`), { code: plan.fail });
      const callers = turn.stack.map((frame) => `${frame.actor}.${frame.method}`);
      return { actor: this.key, depth: turn.depth, reentrancyId: turn.reentrancyId, callers, deadline: turn.deadline, children };
    } finally {
      exit(this.key);
      journal.push(`exit ${this.key} ${plan.label ?? ''}`.trim());
    }
  }

  /** Adds one to state.count and returns it: a turn that ends without awaiting. */
  bump(): number {
    return ++this.state.count;
  }

  count(): number {
    return this.state.count;
  }

  labels(): string[] {
    return this.state.labels;
  }

  /** Registers a timer whose callback runs `plan` in a chain of its own and raises `done` after it. */
  startTimer(plan: Plan, done: string): void {
    this.registerTimer(
      'scripted',
      async () => {
        await this.run(plan);
        latches.open(done);
      },
      { dueTime: 1 },
    );
  }
}

export class TypeA extends ScriptedActor {
  static readonly type = 'TypeA';
}
export class TypeB extends ScriptedActor {
  static readonly type = 'TypeB';
}
export class TypeC extends ScriptedActor {
  static readonly type = 'TypeC';
}

export const SCRIPTED = [TypeA, TypeB, TypeC];

/** Builds `A -> B -> A -> …`: `hops` calls alternating between the given actors. */
export function chain(actors: { type: string; id: string }[], hops: number, leaf: Plan = {}): Plan {
  let plan: Plan = leaf;
  for (let i = hops; i >= 1; i--) {
    const target = actors[i % actors.length] as { type: string; id: string };
    plan = { calls: [{ type: target.type, id: target.id, plan }] };
  }
  return plan;
}

/**
 * A turn that takes its actor's lock and keeps it: run it with `plan` (spread into a Plan); `started`
 * resolves once it runs; `release()` lets it end.
 */
export function heldTurn(name: string): {
  plan: { signal: string; waitFor: string };
  started: Promise<void>;
  release(): void;
  readonly released: boolean;
} {
  const hold = `hold-${name}`;
  const started = `started-${name}`;
  return {
    plan: { signal: started, waitFor: hold },
    started: latches.wait(started),
    release: () => {
      latches.open(hold);
    },
    get released() {
      return latches.isOpen(hold);
    },
  };
}
