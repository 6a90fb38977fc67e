import test from 'ava';
import fc from 'fast-check';
import { HeldList, type HeldEntry } from '../../src/transport/held-list.js';

interface Entry extends HeldEntry<Entry> {
  readonly n: number;
}

function entry(n: number): Entry {
  return { n, holder: undefined, prev: undefined, next: undefined };
}

test('a HeldList keeps delivery order through deletes anywhere, and cuts the links of what leaves it', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 40 })), { minLength: 1, maxLength: 200 }), (ops) => {
      const list = new HeldList<Entry>();
      const model: Entry[] = [];
      let next = 0;
      for (const op of ops) {
        if (op === -1) {
          const e = entry(next++);
          list.add(e);
          model.push(e);
        } else {
          // Delete the op-th entry made so far, held or not.
          const target = model.find((e) => e.n === op) ?? entry(op);
          const held = model.includes(target);
          t.is(list.delete(target), held);
          if (held) model.splice(model.indexOf(target), 1);
          t.true(target.holder === undefined && target.prev === undefined && target.next === undefined);
        }
        t.is(list.toArray().length, model.length);
      }
      t.deepEqual(
        list.toArray().map((e) => e.n),
        model.map((e) => e.n),
      );
      const taken = list.takeAll();
      t.deepEqual(
        taken.map((e) => e.n),
        model.map((e) => e.n),
      );
      t.is(list.toArray().length, 0);
      t.deepEqual(list.toArray(), []);
      t.true(taken.every((e) => e.holder === undefined && e.prev === undefined && e.next === undefined));
    }),
    { numRuns: 100 },
  );
});

test("a HeldList does not delete another list's entry", (t) => {
  const a = new HeldList<Entry>();
  const b = new HeldList<Entry>();
  const e = entry(1);
  a.add(e);
  t.false(b.delete(e));
  t.is(a.toArray().length, 1);
  t.true(a.delete(e));
  t.false(a.delete(e));
  t.is(a.toArray().length, 0);
});
