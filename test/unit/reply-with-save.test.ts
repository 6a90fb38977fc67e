/**
 * A turn's reply riding in its save (StateWrite.push, as the Redis store does for the BullMQ transport's
 * reply lists): the reply goes out with the write and not through `sendReply`; a fenced save sends no
 * reply at all (the message runs again, answered once); a failed save sends its error reply the usual
 * way and pushes nothing. Here over the in-process transport and store, taught to push.
 */
import test, { type ExecutionContext } from 'ava';
import { resolveConfig } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import type { Reply } from '../../src/protocol/invocation.js';
import { createTurnq, type Turnq } from '../../src/runtime/turnq.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import type { ListPush, LoadedState, StateStore, StateWrite } from '../../src/state/state-store.js';
import { MemoryTransport } from '../../src/transport/memory/memory-transport.js';
import { Counter } from '../../workers/actors/counter.js';

const SERVER = 'test://replies';

/** The in-process transport, whose replies a store on SERVER can push; records what `sendReply` sends. */
class PushableTransport extends MemoryTransport {
  readonly sent: Reply[] = [];

  override sendReply(address: string, reply: Reply): void {
    this.sent.push(reply);
    super.sendReply(address, reply);
  }

  replyAsPush(address: string, reply: Reply): ListPush {
    return { server: SERVER, key: address, value: JSON.stringify(reply), ttlMs: 60_000 };
  }

  /** What the store's push does: the reply lands on the client's address. */
  deliverPush(push: ListPush): void {
    super.sendReply(push.key, JSON.parse(push.value) as Reply);
  }
}

/** The in-process store, making the push of each write it applies; the test can refuse the next save. */
class PushingStore implements StateStore {
  readonly kind = 'pushing';
  readonly inner = new MemoryStateStore();
  readonly pushed: ListPush[] = [];
  refuseNext: TurnqError | undefined;

  constructor(readonly transport: PushableTransport) {}

  canPush(push: ListPush): boolean {
    return push.server === SERVER;
  }

  load(actorKey: string): Promise<LoadedState> {
    return this.inner.load(actorKey);
  }

  async save(actorKey: string, write: StateWrite): Promise<string | undefined> {
    await Promise.resolve();
    const refusal = this.refuseNext;
    this.refuseNext = undefined;
    if (refusal !== undefined) throw refusal;
    this.inner.save(actorKey, write);
    if (write.push !== undefined) {
      this.pushed.push(write.push);
      this.transport.deliverPush(write.push);
    }
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function start(t: ExecutionContext): Promise<{ turnq: Turnq; transport: PushableTransport; store: PushingStore }> {
  const transport = new PushableTransport();
  const store = new PushingStore(transport);
  const config = resolveConfig([{ raw: { logLevel: 'silent' }, where: 'test' }], process.cwd());
  const turnq = await createTurnq({ config, actors: [Counter], store, transport });
  t.teardown(() => turnq.close());
  return { turnq, transport, store };
}

test('the reply of a turn that saves goes out with the save, not through sendReply', async (t) => {
  const { turnq, transport, store } = await start(t);
  const counter = turnq.client.actor<Counter>('Counter', 'c');
  t.is(await counter.add(2), 2);
  t.is(store.pushed.length, 1);
  t.deepEqual(transport.sent, []);
  // A turn that changes nothing saves nothing: its reply goes the usual way.
  t.is(await counter.get(), 2);
  t.is(store.pushed.length, 1);
  t.is(transport.sent.length, 1);
});

test('a fenced save sends no reply: the message runs again and is answered once', async (t) => {
  const { turnq, transport, store } = await start(t);
  store.refuseNext = new TurnqError('STATE_FENCED', { message: 'the test fenced this save' });
  t.is(await turnq.client.actor<Counter>('Counter', 'c').add(1), 1);
  t.is(store.pushed.length, 1, 'only the applied save pushed its reply');
  t.deepEqual(transport.sent, [], 'nothing was sent for the refused run');
  t.deepEqual(store.inner.peek('Counter/c'), { count: 1 });
});

test('a failed save pushes nothing and sends its error reply the usual way', async (t) => {
  const { turnq, transport, store } = await start(t);
  store.refuseNext = new TurnqError('STATE_STORE_FAILED', { message: 'the test failed this save' });
  const error = await t.throwsAsync(turnq.client.actor<Counter>('Counter', 'c').add(1), { instanceOf: TurnqError });
  t.is(error.code, 'STATE_STORE_FAILED');
  t.deepEqual(store.pushed, []);
  t.deepEqual(
    transport.sent.map((reply) => reply.status),
    ['error'],
  );
});
