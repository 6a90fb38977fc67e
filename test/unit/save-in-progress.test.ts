import test from 'ava';
import { resolveConfig } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { Client } from '../../src/client/client.js';
import { shardCounter } from '../../src/runtime/actor-host.js';
import { createTurnq } from '../../src/runtime/turnq.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import type { LoadedState, StateStore, StateWrite } from '../../src/state/state-store.js';
import { Counter } from '../../workers/actors/counter.js';
import { eventSeen } from '../helpers/events.js';

/** The in-process store, except that one save waits for the test and then fails. */
class FailingOnceStore implements StateStore {
  readonly kind = 'failing-once';
  readonly inner = new MemoryStateStore();
  failNext: { started: () => void; failed: Promise<void> } | undefined;

  load(actorKey: string): Promise<LoadedState> {
    return this.inner.load(actorKey);
  }

  save(actorKey: string, write: StateWrite): Promise<string | undefined> | undefined {
    const fail = this.failNext;
    if (fail === undefined) return this.inner.save(actorKey, write);
    this.failNext = undefined;
    fail.started();
    return fail.failed.then(() => {
      throw new TurnqError('STATE_STORE_FAILED', { message: 'the test failed this save' });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('a retried call that arrives while its first run is being saved waits for that save, and runs again when it fails', async (t) => {
  const store = new FailingOnceStore();
  const config = resolveConfig([{ raw: { logLevel: 'silent' }, where: 'test' }], process.cwd());
  const turnq = await createTurnq({ config, actors: [Counter], store });
  t.teardown(() => turnq.close());
  let started!: () => void;
  let fail!: () => void;
  const saving = new Promise<void>((resolve) => (started = resolve));
  store.failNext = { started, failed: new Promise<void>((resolve) => (fail = resolve)) };
  const messageId = randomId();
  const counter = turnq.client.actor<Counter>('Counter', 'c', { messageId });
  const first = counter.add(1);
  await saving;
  // The same message again (a caller's retry) while the save of its first run is under way.
  const waits = eventSeen(turnq.host!, 'waited', (event) => event.messageId === messageId);
  // From another caller: one client waits for one call per message id.
  const other = new Client({ transport: turnq.transport, shardsFor: shardCounter(config) });
  await other.start();
  t.teardown(() => other.close());
  const retry = other.actor<Counter>('Counter', 'c', { messageId }).add(1);
  const answered = (): string => 'answered';
  t.is(await Promise.race([waits.then(() => 'waited'), retry.then(answered, answered)]), 'waited');
  fail();
  const error = await t.throwsAsync(first, { instanceOf: TurnqError });
  t.is(error.code, 'STATE_STORE_FAILED');
  // The failed save dropped the activation; the retry ran on a fresh one: applied once, and kept.
  t.is(await retry, 1);
  t.deepEqual(store.inner.peek('Counter/c'), { count: 1 });
});
