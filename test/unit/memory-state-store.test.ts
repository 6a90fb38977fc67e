import test from 'ava';
import { randomId } from '../../src/protocol/ids.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import { HANDLED_RECORD_LIMIT, type HandledMessage } from '../../src/state/state-store.js';

const ok = (id: string, result: unknown): HandledMessage => ({ messageId: id, reply: { correlationId: id, status: 'ok', result } });

test('loads the state with the last handled messages, oldest first, ids and replies as saved', async (t) => {
  const store = new MemoryStateStore();
  t.deepEqual(await store.load('Counter/1'), { json: undefined, handled: [] });
  const hex = randomId();
  store.save('Counter/1', { json: '{"count":1}', handled: [ok(hex, 1), { messageId: 'order-7', reply: null }] });
  store.save('Counter/1', { json: '{"count":2}', handled: [ok('0000000000000000000000000000000f', { total: 2 })] });
  const loaded = await store.load('Counter/1');
  t.is(loaded.json, '{"count":2}');
  t.deepEqual(loaded.handled, [ok(hex, 1), { messageId: 'order-7', reply: null }, ok('0000000000000000000000000000000f', { total: 2 })]);
  t.deepEqual(store.peek('Counter/1'), { count: 2 });
});

test(`keeps the last ${HANDLED_RECORD_LIMIT} handled messages across the ring's wrap`, async (t) => {
  const store = new MemoryStateStore();
  const all = Array.from({ length: 3 * HANDLED_RECORD_LIMIT + 5 }, (_, i) => ok(i % 3 === 0 ? `custom-${i}` : randomId(), i));
  for (const handled of all) store.save('Counter/2', { json: 'null', handled: [handled] });
  t.deepEqual((await store.load('Counter/2')).handled, all.slice(-HANDLED_RECORD_LIMIT));
});

test('ids that only look like turnq ids (wrong length, upper case, non-ASCII) come back exactly as saved', async (t) => {
  const store = new MemoryStateStore();
  const lookalikes = ['ABCDEF0123456789abcdef0123456789', `${'a'.repeat(31)}\u0161`, 'a'.repeat(31), `${'0'.repeat(31)}g`, '0'.repeat(32)];
  for (const id of lookalikes) store.save('Counter/3', { json: 'null', handled: [ok(id, id.length)] });
  t.deepEqual(
    (await store.load('Counter/3')).handled.map((h) => h.messageId),
    lookalikes,
  );
});
