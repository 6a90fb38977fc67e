/** Conformance: activation, state, timers, idle deactivation, idempotent retries, drain. */
import { TurnqError } from '../../src/errors/turnq-error.js';
import { randomId } from '../../src/protocol/ids.js';
import { startCluster } from '../helpers/cluster.js';
import { conformance } from '../helpers/conformance.js';
import { latches } from '../helpers/latches.js';
import { eventSeen } from '../helpers/events.js';
import { heldTurn, SCRIPTED, type Plan, type Trace } from '../helpers/scripted-actors.js';

type Scripted = { run(p: Plan): Trace; labels(): string[]; count(): number; startTimer(p: Plan, done: string): void };

conformance('a timer callback takes the lock in a chain of its own and can do A -> B -> A', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: true } } });
  const a = randomId();
  const done = `timer-${a}`;
  const fired = eventSeen(hosts[0]!, 'timer-fired', (event) => event.actor === `TypeA/${a}`);
  await client
    .actor<Scripted>('TypeA', a)
    .startTimer(
      { calls: [{ type: 'TypeB', id: a, plan: { calls: [{ type: 'TypeA', id: a, plan: { add: 1, label: 'from-timer' } }] } }] },
      done,
    );
  const chain = (await fired).reentrancyId;
  await latches.wait(done);
  t.regex(chain, /^[0-9a-f]{32}$/);
  t.deepEqual(await client.actor<Scripted>('TypeA', a).labels(), ['from-timer']);
});

conformance('state is rolled back when a turn throws, and kept when it succeeds', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED });
  const actor = client.actor<Scripted>('TypeA', randomId());
  await actor.run({ add: 5, label: 'kept' });
  await t.throwsAsync(actor.run({ add: 100, label: 'discarded', fail: 'BOOM' }), { instanceOf: TurnqError });
  t.is(await actor.count(), 5);
  t.deepEqual(await actor.labels(), ['kept']);
});

conformance('a nested turn that throws is rolled back while its caller keeps its own changes', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: true } } });
  const a = randomId();
  const actor = client.actor<Scripted>('TypeA', a);
  await actor.run({
    add: 1,
    calls: [{ type: 'TypeB', id: a, catchError: true, plan: { calls: [{ type: 'TypeA', id: a, plan: { add: 10, fail: 'INNER' } }] } }],
  });
  t.is(await actor.count(), 1);
});

conformance('idle deactivation never happens during a turn, and state survives reactivation', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, {
    actors: SCRIPTED,
    config: { actorIdleTimeout: '1ms', actorScanInterval: '1h' },
  });
  const host = hosts[0]!;
  const id = randomId();
  const actor = client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const deactivated = eventSeen(host, 'deactivated', (event) => event.actor === `TypeA/${id}`);
  const running = actor.run({ add: 2, ...held.plan });
  await held.started;
  // Long past the idle timeout, but a turn runs: nothing is collected.
  t.is(host.collectIdle(Date.now() + 3_600_000), 0);
  held.release();
  await running;
  // A store that pushes the reply with its save (Redis) answers before the worker has seen the save
  // end, so the lock may still be held here. A read-only turn queues behind that lock, saves nothing
  // and releases before it answers: once it has answered, the actor is idle.
  t.is(await actor.count(), 2);
  t.is(host.collectIdle(Date.now() + 3_600_000), 1);
  await deactivated;
  t.is(await actor.count(), 2);
});

conformance('a call retried with the same message id is applied once and answered with the same reply', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED });
  const actor = randomId();
  const messageId = randomId();
  const first = await client.actor<Scripted>('TypeA', actor, { messageId }).run({ add: 1 });
  const again = await client.actor<Scripted>('TypeA', actor, { messageId }).run({ add: 1 });
  t.deepEqual(again, first);
  t.is(await client.actor<Scripted>('TypeA', actor).count(), 1);
});

conformance(
  'two calls with one message id at once: both end with the one reply, applied once; the second may cancel alone',
  async (t, backend) => {
    const { client } = await startCluster(t, backend, { actors: SCRIPTED });
    const actor = randomId();
    const messageId = randomId();
    const held = heldTurn(actor);
    const first = client.actor<Scripted>('TypeA', actor, { messageId }).run({ add: 1, ...held.plan });
    await held.started;
    const second = client.actor<Scripted>('TypeA', actor, { messageId }).run({ add: 1, ...held.plan });
    const controller = new AbortController();
    const third = client.actor<Scripted>('TypeA', actor, { messageId, signal: controller.signal }).run({ add: 1 });
    controller.abort();
    await t.throwsAsync(third, { code: 'CALL_CANCELLED' });
    held.release();
    const [a, b] = await Promise.all([first, second]);
    t.deepEqual(b, a);
    t.is(await client.actor<Scripted>('TypeA', actor).count(), 1);
  },
);

conformance('stop drains: the running turn finishes, its result is delivered, state is saved', async (t, backend) => {
  const { client, hosts } = await startCluster(t, backend, { actors: SCRIPTED });
  const host = hosts[0]!;
  const id = randomId();
  const held = heldTurn(id);
  const running = client.actor<Scripted>('TypeA', id).run({ add: 3, ...held.plan });
  await held.started;
  const stopped = host.stop();
  t.true(host.draining);
  held.release();
  const trace = await running;
  await stopped;
  t.is(trace.depth, 1);
  const saved = await host.store.load(`TypeA/${id}`);
  t.is((JSON.parse(saved.json ?? '{}') as { count: number }).count, 3);
});
