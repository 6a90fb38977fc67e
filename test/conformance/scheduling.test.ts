/** Conformance: FIFO between chains, deadlines, cancellation, mailbox limits, windows (points 1, 6, 7). */
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { startCluster } from '../helpers/cluster.js';
import { conformance } from '../helpers/conformance.js';
import { eventSeen, waited } from '../helpers/events.js';
import { heldTurn, SCRIPTED, type Plan, type Trace } from '../helpers/scripted-actors.js';

type Scripted = { run(p: Plan): Trace; labels(): string[]; count(): number };

conformance('two chains interleaved stay first come, first served', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: true } } });
  const id = randomId();
  const key = `TypeA/${id}`;
  const actor = client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const first = actor.run({ ...held.plan, label: 'c1' });
  await held.started;
  const queued = waited(hosts[0]!, key, 6);
  const rest: Promise<Trace>[] = [];
  for (let i = 2; i <= 7; i++) rest.push(actor.run({ label: `c${i}` }));
  await queued;
  held.release();
  await Promise.all([first, ...rest]);
  t.deepEqual(await actor.labels(), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
});

conformance('a queued call past its deadline is not run and its caller gets DEADLINE_EXCEEDED', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED });
  const host = hosts[0]!;
  const id = randomId();
  const actor = client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const first = actor.run({ ...held.plan, label: 'running' });
  await held.started;
  const queued = waited(host, `TypeA/${id}`, 1);
  const late = client.actor<Scripted>('TypeA', id, { timeout: '30s' }).run({ label: 'expired' });
  const outcome = late.then(
    () => undefined,
    (error: unknown) => error,
  );
  await queued;
  // The worker's clock moves past the call's deadline while it waits behind the running turn.
  host.clock = () => Date.now() + 60_000;
  held.release();
  await first;
  const error = await outcome;
  t.true(error instanceof TurnqError);
  t.is((error as TurnqError).code, 'DEADLINE_EXCEEDED');
  t.true((error as TurnqError).retryable);
  host.clock = Date.now;
  t.deepEqual(await actor.labels(), ['running']);
});

conformance('cancelling a queued call leaves the running turn and the order of the others untouched', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED });
  const id = randomId();
  const actor = client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const running = actor.run({ ...held.plan, label: 'running' });
  await held.started;
  const queued = waited(hosts[0]!, `TypeA/${id}`, 3);
  const controller = new AbortController();
  const c1 = actor.run({ label: 'c1' });
  const c2 = client.actor<Scripted>('TypeA', id, { signal: controller.signal }).run({ label: 'c2' });
  const c3 = actor.run({ label: 'c3' });
  await queued;
  const cancelled = eventSeen(hosts[0]!, 'rejected', (event) => event.code === 'CALL_CANCELLED');
  controller.abort();
  const error = await t.throwsAsync(c2, { instanceOf: TurnqError });
  t.is(error.code, 'CALL_CANCELLED');
  await cancelled; // the worker removed it from the mailbox
  t.false(held.released);
  held.release();
  await Promise.all([running, c1, c3]);
  t.deepEqual(await actor.labels(), ['running', 'c1', 'c3']);
});

conformance('the hard mailbox limit rejects with ACTOR_OVERLOADED and the actor keeps serving', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED, config: { mailbox: { softLimit: 2, hardLimit: 3 } } });
  const id = randomId();
  const actor = client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const running = actor.run(held.plan);
  await held.started;
  const queued = waited(hosts[0]!, `TypeA/${id}`, 3);
  const accepted = [actor.run({ add: 1 }), actor.run({ add: 1 }), actor.run({ add: 1 })];
  await queued;
  const error = await t.throwsAsync(actor.run({ add: 100 }), { instanceOf: TurnqError });
  t.is(error.code, 'ACTOR_OVERLOADED');
  t.true(error.retryable);
  held.release();
  await Promise.all([running, ...accepted]);
  t.is(await actor.count(), 3);
});

conformance('a window full of calls waiting for a locked actor does not stop its chain or the shard', async (t, backend) => {
  // One shard and a window of 2: ten calls of other chains wait for A, yet the chain holding A calls
  // B (priority lane back into A) and another actor of A's shard, and completes.
  const { client, hosts } = await startCluster(t, backend, {
    actors: SCRIPTED,
    config: { prefetch: 2, shards: 1, reentrancy: { enabled: true } },
  });
  const a = randomId();
  const key = `TypeA/${a}`;
  const held = heldTurn(a);
  const holder = client.actor<Scripted>('TypeA', a).run({
    ...held.plan,
    calls: [
      { type: 'TypeB', id: a, plan: { calls: [{ type: 'TypeA', id: a, plan: { label: 'reentered' } }] } },
      { type: 'TypeA', id: `${a}-other`, plan: { label: 'same-shard' } },
    ],
  });
  await held.started;
  const queued = waited(hosts[0]!, key, 10);
  const blocked = Array.from({ length: 10 }, (_, i) => client.actor<Scripted>('TypeA', a).run({ label: `other-${i}` }));
  await queued;
  held.release();
  const trace = await holder;
  t.is(trace.children.length, 2);
  await Promise.all(blocked);
  const labels = await client.actor<Scripted>('TypeA', a).labels();
  t.deepEqual(labels, ['reentered', ...Array.from({ length: 10 }, (_, i) => `other-${i}`)]);
});

conformance('unknown actor type and unknown method fail at once with coded errors', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED });
  const type = await t.throwsAsync(client.call('NoSuchType', '1', 'run', [{}]), { instanceOf: TurnqError });
  t.is(type.code, 'ACTOR_TYPE_UNKNOWN');
  const method = await t.throwsAsync(client.call('TypeA', randomId(), 'noSuchMethod', []), { instanceOf: TurnqError });
  t.is(method.code, 'ACTOR_METHOD_UNKNOWN');
  t.false(method.retryable);
});

conformance('an actor error reaches the caller with its code, message, actor key and remote stack', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED });
  const id = randomId();
  const error = await t.throwsAsync(client.actor<Scripted>('TypeA', id).run({ fail: 'ORDER_REJECTED' }), { instanceOf: TurnqError });
  t.is(error.code, 'ORDER_REJECTED');
  t.is(error.message, 'planned failure ORDER_REJECTED');
  t.is(error.actor, `TypeA/${id}`);
  t.regex(error.remoteStack ?? '', /planned failure/);
  t.false(error.retryable);
});
