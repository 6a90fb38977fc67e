import test from 'ava';
import { randomId } from '../../src/protocol/ids.js';
import { HandledRecord, idKey, NO_REPLY } from '../../src/runtime/handled-record.js';

test('remembers the last `capacity` ids with their results and forgets older ones', (t) => {
  const record = new HandledRecord(4);
  const ids = Array.from({ length: 6 }, () => randomId());
  ids.forEach((id, i) => record.add(id, { correlationId: id, status: 'ok', result: i }, idKey(id)));
  t.is(record.indexOf(idKey(ids[0]!)), -1);
  t.is(record.indexOf(idKey(ids[1]!)), -1);
  for (let i = 2; i < 6; i++) t.is(record.resultAt(record.indexOf(idKey(ids[i]!))), i);
});

test('hands the ids handled since the last save to the store once, oldest first', (t) => {
  const record = new HandledRecord(4);
  record.add('a-custom-id', { correlationId: 'a-custom-id', status: 'ok', result: 1 }, idKey('a-custom-id'));
  record.add('b-custom-id', null, idKey('b-custom-id'));
  t.deepEqual(record.takeUnsaved(), [
    { messageId: 'a-custom-id', reply: { correlationId: 'a-custom-id', status: 'ok', result: 1 } },
    { messageId: 'b-custom-id', reply: null },
  ]);
  t.deepEqual(record.takeUnsaved(), []);
  const loaded = HandledRecord.from([{ messageId: 'a-custom-id', reply: { correlationId: 'a-custom-id', status: 'ok', result: 7 } }]);
  t.is(loaded.resultAt(loaded.indexOf(idKey('a-custom-id'))), 7);
  t.deepEqual(loaded.takeUnsaved(), []);
  t.is(record.resultAt(record.indexOf(idKey('b-custom-id'))), NO_REPLY);
});

test('keys of distinct ids differ (hex ids and free-form ids)', (t) => {
  const keys = new Set<number>();
  for (let i = 0; i < 50_000; i++) keys.add(idKey(randomId()));
  for (let i = 0; i < 50_000; i++) keys.add(idKey(`order-${i}`));
  t.is(keys.size, 100_000);
});

test('the filter in front of the scan never hides a kept id, across many wraps of the ring', (t) => {
  const record = new HandledRecord();
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const id = i % 7 === 0 ? `free-form-${i}` : randomId();
    ids.push(id);
    record.add(id, { correlationId: id, status: 'ok', result: i }, idKey(id));
    if (i % 97 === 0) record.takeUnsaved();
  }
  const kept = ids.slice(-record.capacity);
  kept.forEach((id, i) => {
    t.is(record.resultAt(record.indexOf(idKey(id))), ids.length - record.capacity + i);
  });
  // Every evicted id is forgotten (their buckets were counted down as they left the ring).
  t.true(ids.slice(0, -record.capacity).every((id) => record.indexOf(idKey(id)) === -1));
});

test('ids that share a long prefix (time-ordered ids) have different keys', (t) => {
  const prefix = `${Date.now()}`.padEnd(24, '0');
  const keys = new Set<number>();
  for (let i = 0; i < 20_000; i++) keys.add(idKey(`${prefix}${i.toString(16).padStart(8, '0')}`));
  for (let i = 0; i < 20_000; i++) keys.add(idKey(`${Date.now()}-${i}`));
  t.is(keys.size, 40_000);
  const record = new HandledRecord();
  record.add(`${prefix}00000001`, { correlationId: 'a', status: 'ok', result: 1 }, idKey(`${prefix}00000001`));
  t.is(record.indexOf(idKey(`${prefix}00000002`)), -1);
});
