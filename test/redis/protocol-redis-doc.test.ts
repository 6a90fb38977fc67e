/** docs/protocol.md shows the very script test/redis/plain-bullmq.test.ts runs. */
import { readFile } from 'node:fs/promises';
import test from 'ava';

test('the plain BullMQ script in docs/protocol.md is test/redis/fixtures/plain-bullmq-call.ts', async (t) => {
  const doc = await readFile(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const script = await readFile(new URL('./fixtures/plain-bullmq-call.ts', import.meta.url), 'utf8');
  const block = /```ts\n(\/\/ Invokes a turnq actor from a program that knows nothing of turnq: plain BullMQ[\s\S]*?)```/.exec(doc)?.[1];
  t.is(block, script);
});
