/**
 * Memory transport figures, each next to a raw baseline measured in the same run: an async function
 * called through a promise and a microtask hop per direction, which is the least an in-process RPC can
 * cost.
 */
import { resolveConfig } from '../src/config/load-config.js';
import { createTurnq } from '../src/runtime/turnq.js';
import type { LoadedState, StateStore } from '../src/state/state-store.js';
import { Counter } from '../workers/actors/counter.js';
import { BenchA, BenchB } from './chain-actors.js';
import { measure, median, type BenchReport, type Measured } from './report.js';

const ROUNDS = 5;

/** Keeps nothing: isolates the runtime's own memory per activation from what a store would hold. */
class DiscardingStore implements StateStore {
  readonly kind = 'discard';
  load(): Promise<LoadedState> {
    return Promise.resolve({ json: undefined, handled: [] });
  }
  save(): undefined {
    return undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The raw baseline: a counter map behind an async function, a microtask each way. */
async function rawBaseline(total: number, inFlight: number): Promise<{ rate: number; p50Ms: number; p99Ms: number }> {
  const counters = new Map<string, number>();
  const server = (id: string, amount: number): Promise<number> =>
    new Promise((resolve) => {
      queueMicrotask(() => {
        const value = (counters.get(id) ?? 0) + amount;
        counters.set(id, value);
        queueMicrotask(() => {
          resolve(value);
        });
      });
    });
  return measure(total, inFlight, (i) => server(String(i % 1000), 1));
}

/** The JavaScript heap in use and the memory of array buffers (typed arrays keep theirs off the heap). */
function heldBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function runMemoryBench(report: BenchReport, scale = 1): Promise<void> {
  const config = resolveConfig([{ raw: { reentrancy: { enabled: true }, logLevel: 'silent' }, where: '' }], process.cwd());
  const turnq = await createTurnq({ config, actors: [Counter, BenchA, BenchB] });
  const { client } = turnq;
  const add = (i: number): Promise<unknown> => client.call('Counter', String(i % 1000), 'add', [1]);
  await measure(20_000, 128, add); // warm-up

  // Baseline and turnq alternate over ROUNDS rounds (medians reported), so that other load on the
  // machine hits both alike.
  for (const inFlight of [1, 128]) {
    const total = Math.round((inFlight === 1 ? 50_000 : 150_000) * scale);
    const raws: Measured[] = [];
    const calls: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      raws.push(await rawBaseline(total, inFlight));
      calls.push(await measure(total, inFlight, add));
    }
    const raw = median(raws);
    const r = median(calls);
    report.add({ suite: 'memory', name: `raw baseline, ${inFlight} in flight`, ...raw });
    report.add({
      suite: 'memory',
      name: `RPC Counter.add, ${inFlight} in flight, 1,000 actors`,
      ...r,
      note: `${((r.rate / raw.rate) * 100).toFixed(0)}% of raw rate; median of ${ROUNDS} alternating rounds`,
    });
  }
  for (const inFlight of [1, 128]) {
    const total = Math.round(100_000 * scale);
    const r = await measure(total, inFlight, (i) => client.call('BenchA', String(i % 1000), 'run', [String(i % 1000)]));
    report.add({
      suite: 'memory',
      name: `A -> B -> A chain, ${inFlight} in flight`,
      ...r,
      note: '3 turns, 3 messages and 3 replies per chain',
    });
  }
  await turnq.close();

  // Memory per idle activation: 100,000 counters activated once each, with a store that keeps nothing.
  const actors = Math.round(100_000 * Math.min(1, scale));
  const lean = await createTurnq({
    config: resolveConfig([{ raw: { logLevel: 'silent' }, where: '' }], process.cwd()),
    actors: [Counter],
    store: new DiscardingStore(),
  });
  await measure(2000, 64, (i) => lean.client.call('Counter', `warm-${i}`, 'add', [1]));
  gc();
  const before = heldBytes();
  await measure(actors, 256, (i) => lean.client.call('Counter', `idle-${i}`, 'add', [1]));
  gc();
  const after = heldBytes();
  // The state itself, measured alone: the object and its last saved JSON, which an activation keeps.
  const states: unknown[] = [];
  gc();
  const stateBefore = heldBytes();
  for (let i = 0; i < actors; i++) states.push({ state: { count: 1 }, json: JSON.stringify({ count: 1 + i }) });
  gc();
  const stateBytes = (heldBytes() - stateBefore) / actors;
  const perActivation = (after - before) / actors;
  report.add({
    suite: 'memory',
    name: `memory per idle activation (heap and array buffers), ${actors.toLocaleString('en-US')} actors`,
    note: `${Math.round(perActivation)} B in all, ${Math.round(perActivation - stateBytes)} B without the state (${Math.round(stateBytes)} B); ${lean.host?.activationCount ?? 0} activations held`,
  });
  states.length = 0;
  await lean.close();
}
