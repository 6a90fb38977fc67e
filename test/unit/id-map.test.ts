import test from 'ava';
import fc from 'fast-check';
import { IdMap } from '../../src/protocol/id-map.js';

/**
 * An operation on both maps: set a key (to the step's number), delete a key, delete or take (remove and
 * return) the `index`-th key still in the map (mod their count), or empty the map.
 */
type Op =
  | { kind: 'set'; key: string }
  | { kind: 'delete'; key: string }
  | { kind: 'delete-live'; index: number }
  | { kind: 'take-live'; index: number }
  | { kind: 'clear' };

// Keys from thousands, but about as many deleted as set: the map stays small (a table of 32 or 64
// slots, close to half full), so probe runs form, wrap around the table's end and are cut by deletes
// anywhere in them, over keys whose slots differ from run to run; now and then a burst grows it.
const key = fc.oneof(
  { weight: 20, arbitrary: fc.nat({ max: 5000 }).map((n) => `k${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'constructor', '0', '4294967295', 'ü') },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 200, arbitrary: key.map((k) => ({ kind: 'set', key: k }) as const) },
  { weight: 40, arbitrary: key.map((k) => ({ kind: 'delete', key: k }) as const) },
  { weight: 100, arbitrary: fc.nat().map((index) => ({ kind: 'delete-live', index }) as const) },
  { weight: 50, arbitrary: fc.nat().map((index) => ({ kind: 'take-live', index }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' } as const) },
);

test('an IdMap answers every get, has, delete, take and size like a Map, whatever the order of operations', (t) => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 500, maxLength: 3000, size: 'max' }), fc.nat({ max: 64 }), (ops, capacity) => {
      const model = new Map<string, number>();
      const map = new IdMap<number>(capacity);
      const seen = new Set<string>();
      ops.forEach((o, step) => {
        if (o.kind === 'set') {
          seen.add(o.key);
          model.set(o.key, step);
          map.set(o.key, step);
        } else if (o.kind === 'delete' || o.kind === 'delete-live') {
          const live = [...model.keys()];
          const k = o.kind === 'delete' ? o.key : live[o.index % Math.max(1, live.length)];
          if (k !== undefined && map.delete(k) !== model.delete(k)) throw new Error(`delete ${k} at step ${step}`);
        } else if (o.kind === 'take-live') {
          const k = [...model.keys()][o.index % Math.max(1, model.size)] ?? 'absent';
          const expected = model.get(k);
          model.delete(k);
          if (map.take(k) !== expected) throw new Error(`take ${k} at step ${step}`);
        } else {
          model.clear();
          map.clear();
        }
        if (map.size !== model.size) throw new Error(`size ${map.size} instead of ${model.size} at step ${step}`);
        for (const [k, v] of model) if (map.get(k) !== v) throw new Error(`key ${k} lost at step ${step}`);
      });
      for (const k of seen) {
        if (map.get(k) !== model.get(k) || map.has(k) !== model.has(k)) throw new Error(`key ${k}`);
      }
      t.deepEqual(map.keys().sort(), [...model.keys()].sort());
      t.deepEqual(
        map.values().sort((a, b) => a - b),
        [...model.values()].sort((a, b) => a - b),
      );
    }),
    { numRuns: 200 },
  );
});

test('an IdMap keeps every entry through growth and gives its table back once emptied', (t) => {
  const map = new IdMap<number>();
  for (let i = 0; i < 20_000; i++) map.set(`id-${i}`, i);
  t.is(map.size, 20_000);
  for (let i = 0; i < 20_000; i += 2) t.true(map.delete(`id-${i}`));
  t.is(map.size, 10_000);
  for (let i = 0; i < 20_000; i++) t.is(map.get(`id-${i}`), i % 2 === 0 ? undefined : i);
  for (let i = 1; i < 20_000; i += 2) map.delete(`id-${i}`);
  t.is(map.size, 0);
  t.deepEqual(map.keys(), []);
  // After the shrink, still a working map.
  map.set('again', 1);
  t.is(map.get('again'), 1);
  t.deepEqual(map.keys(), ['again']);
  // Cleared from a large size, too.
  for (let i = 0; i < 20_000; i++) map.set(`id-${i}`, i);
  map.clear();
  t.is(map.size, 0);
  t.is(map.get('id-7'), undefined);
  map.set('after-clear', 2);
  t.deepEqual(map.entries(), [['after-clear', 2]]);
});
