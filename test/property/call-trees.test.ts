/**
 * Property: random call trees (nested calls, fan-outs, one-way sends) over several actors and chains at
 * once, with reentrancy on for some types and off for others.
 *
 * - turns of different chains never overlap on one actor;
 * - every call ends with a result or a coded error, exactly the one an oracle predicts from the call
 *   stack (ACTOR_STACK_DEPTH past the type's limit, ACTOR_CALL_CYCLE into a non-reentrant ancestor);
 * - no call ends by timeout.
 *
 * Calls go "down" (to an actor of higher index than any on the stack) or "back" to an ancestor on the
 * stack. Every chain then takes locks in increasing index order, so chains can never deadlock one
 * another (a true cross-chain lock-order deadlock is outside what the scheduler promises), and every
 * cycle is one the scheduler sees on the stack.
 */
import fc from 'fast-check';
import { randomId } from '../../src/protocol/ids.js';
import { startCluster } from '../helpers/cluster.js';
import { conformance } from '../helpers/conformance.js';
import { latches } from '../helpers/latches.js';
import { overlaps, SCRIPTED, type Plan, type PlanCall, type Trace } from '../helpers/scripted-actors.js';

const TYPES = ['TypeA', 'TypeB', 'TypeC', 'TypeA', 'TypeB', 'TypeC'] as const;
const REENTRANCY: Record<string, { enabled: boolean; max: number }> = {
  TypeA: { enabled: true, max: 3 },
  TypeB: { enabled: false, max: 32 },
  TypeC: { enabled: true, max: 2 },
};
const CONFIG = {
  callTimeout: '20s',
  reentrancy: { enabled: false },
  entitiesConfig: [
    { entities: ['TypeA'], reentrancy: { enabled: true, maxStackDepth: 3 } },
    { entities: ['TypeC'], reentrancy: { enabled: true, maxStackDepth: 2 } },
  ],
};

type Expected = { actor: string; depth: number; children: Expected[] } | { error: string };

class Tape {
  #i = 0;
  constructor(readonly values: number[]) {}
  next(n: number): number {
    const v = this.values[this.#i++ % this.values.length] ?? 0;
    return v % n;
  }
}

interface Built {
  plan: Plan;
  expected: Expected[];
  sends: string[];
}

/** Builds the plan of a turn of actor `index` with `stack` (actor indices, root first, self last). */
function build(tape: Tape, prefix: string, stack: number[], level: number, sends: string[]): { plan: Plan; children: Expected[] } {
  const self = stack[stack.length - 1] as number;
  const calls: PlanCall[] = [];
  const children: Expected[] = [];
  const count = level >= 5 ? 0 : tape.next(3);
  for (let c = 0; c < count; c++) {
    const highest = Math.max(...stack);
    const options = [...new Set([...Array.from({ length: TYPES.length - highest - 1 }, (_, k) => highest + 1 + k), ...stack])];
    const target = options[tape.next(options.length)] as number;
    const type = TYPES[target] as string;
    const id = `${prefix}-${target}`;
    const onStack = stack.filter((s) => s === target).length;
    const rules = REENTRANCY[type] as { enabled: boolean; max: number };
    if (onStack > 0 && !rules.enabled) {
      calls.push({ type, id, plan: {}, catchError: true });
      children.push({ error: 'ACTOR_CALL_CYCLE' });
    } else if (onStack + 1 > rules.max) {
      calls.push({ type, id, plan: {}, catchError: true });
      children.push({ error: 'ACTOR_STACK_DEPTH' });
    } else {
      const inner = build(tape, prefix, [...stack, target], level + 1, sends);
      calls.push({ type, id, plan: inner.plan, catchError: true });
      children.push({ actor: `${type}/${id}`, depth: onStack + 1, children: inner.children });
    }
  }
  const plan: Plan = { calls, parallel: tape.next(2) === 1, add: 1 };
  if (self < TYPES.length - 1 && tape.next(4) === 0) {
    const target = self + 1 + tape.next(TYPES.length - self - 1);
    const signal = `${prefix}-send-${sends.length}`;
    sends.push(signal);
    plan.sends = [{ type: TYPES[target] as string, id: `${prefix}-${target}`, plan: { signal, add: 1 } }];
  }
  return { plan, children };
}

function buildChain(values: number[], prefix: string, sends: string[]): Built & { root: { type: string; id: string } } {
  const tape = new Tape(values);
  const rootIndex = tape.next(3);
  const { plan, children } = build(tape, prefix, [rootIndex], 1, sends);
  const type = TYPES[rootIndex] as string;
  const id = `${prefix}-${rootIndex}`;
  return { root: { type, id }, plan, expected: [{ actor: `${type}/${id}`, depth: 1, children }], sends };
}

function shape(trace: Trace | { error: string }): Expected {
  if ('error' in trace) return { error: trace.error };
  return { actor: trace.actor, depth: trace.depth, children: trace.children.map(shape) };
}

const chains = fc.array(fc.array(fc.nat({ max: 1000 }), { minLength: 40, maxLength: 40 }), { minLength: 2, maxLength: 5 });

conformance('random call trees: no overlap between chains, every call ends as the oracle predicts', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: CONFIG });
  const runs = backend.name === 'memory' ? 40 : 8;
  await fc.assert(
    fc.asyncProperty(chains, async (tapes) => {
      const prefix = randomId().slice(0, 10);
      const before = overlaps.length;
      const sends: string[] = [];
      const built = tapes.map((values) => buildChain(values, prefix, sends));
      const results = await Promise.all(
        built.map(async (chain) => {
          try {
            return shape(await client.actor<{ run(p: Plan): Trace }>(chain.root.type, chain.root.id).run(chain.plan));
          } catch (error) {
            return { error: (error as { code?: string }).code ?? String(error) };
          }
        }),
      );
      await Promise.all(sends.map((signal) => latches.wait(signal)));
      t.deepEqual(overlaps.slice(before), []);
      t.deepEqual(
        results,
        built.map((chain) => chain.expected[0]),
      );
    }),
    { numRuns: runs },
  );
});
