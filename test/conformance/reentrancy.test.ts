/** Conformance: call-chain reentrancy, depth, and cycles into non-reentrant actors (issue points 2-5). */
import { randomId } from '../../src/protocol/ids.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { startCluster } from '../helpers/cluster.js';
import { conformance } from '../helpers/conformance.js';
import { latches } from '../helpers/latches.js';
import { chain, SCRIPTED, type Plan, type Trace } from '../helpers/scripted-actors.js';

const reentrant = { reentrancy: { enabled: true } };

function depths(trace: Trace): number[] {
  const out = [trace.depth];
  for (const child of trace.children) if ('actor' in child) out.push(...depths(child));
  return out;
}

conformance('A -> A re-enters its own lock', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const id = randomId();
  const trace = await client.actor<{ run(p: Plan): Trace }>('TypeA', id).run(chain([{ type: 'TypeA', id }], 1));
  t.deepEqual(depths(trace), [1, 2]);
  t.is((trace.children[0] as Trace).reentrancyId, trace.reentrancyId);
});

conformance('A -> B -> A and A -> B -> A -> B -> A complete in one chain', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const a = { type: 'TypeA', id: randomId() };
  const b = { type: 'TypeB', id: randomId() };
  const proxy = client.actor<{ run(p: Plan): Trace }>('TypeA', a.id);
  t.deepEqual(depths(await proxy.run(chain([a, b], 2))), [1, 1, 2]);
  const long = await proxy.run(chain([a, b], 4));
  t.deepEqual(depths(long), [1, 1, 2, 2, 3]);
});

conformance('32 nested entries pass, the 33rd fails with ACTOR_STACK_DEPTH, then another chain is served', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const a = { type: 'TypeA', id: randomId() };
  const proxy = client.actor<{ run(p: Plan): Trace; count(): number }>('TypeA', a.id);
  const ok = await proxy.run(chain([a], 31));
  t.is(Math.max(...depths(ok)), 32);
  const error = await t.throwsAsync(proxy.run(chain([a], 32)), { instanceOf: TurnqError });
  t.is(error.code, 'ACTOR_STACK_DEPTH');
  t.is(error.message, 'maximum stack depth exceeded');
  t.is(error.actor, `TypeA/${a.id}`);
  // Fully unlocked once the chain unwound: a new chain runs at once (Dapr would hold the lock).
  t.deepEqual(depths(await proxy.run({ add: 1 })), [1]);
});

conformance('ACTOR_STACK_DEPTH propagates up through an alternating chain', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: true, maxStackDepth: 3 } } });
  const a = { type: 'TypeA', id: randomId() };
  const b = { type: 'TypeB', id: randomId() };
  const proxy = client.actor<{ run(p: Plan): Trace }>('TypeA', a.id);
  // A B A B A B: the third entry of A (depth 3) passes, the fourth (depth 4) fails.
  t.deepEqual(depths(await proxy.run(chain([a, b], 5))), [1, 1, 2, 2, 3, 3]);
  const error = await t.throwsAsync(proxy.run(chain([a, b], 6)), { instanceOf: TurnqError });
  t.is(error.code, 'ACTOR_STACK_DEPTH');
  t.deepEqual(depths(await proxy.run({})), [1]);
});

conformance('global reentrancy off, one type on with maxStackDepth 5: the 6th nested entry fails', async (t, backend) => {
  const { client } = await startCluster(t, backend, {
    actors: SCRIPTED,
    config: { reentrancy: { enabled: false }, entitiesConfig: [{ entities: ['TypeB'], reentrancy: { enabled: true, maxStackDepth: 5 } }] },
  });
  const b = { type: 'TypeB', id: randomId() };
  const proxy = client.actor<{ run(p: Plan): Trace }>('TypeB', b.id);
  t.is(Math.max(...depths(await proxy.run(chain([b], 4)))), 5);
  const error = await t.throwsAsync(proxy.run(chain([b], 5)), { instanceOf: TurnqError });
  t.is(error.code, 'ACTOR_STACK_DEPTH');
  // TypeA keeps the global setting: a self call is a cycle.
  const a = { type: 'TypeA', id: randomId() };
  const cycle = await t.throwsAsync(client.actor<{ run(p: Plan): Trace }>('TypeA', a.id).run(chain([a], 1)), { instanceOf: TurnqError });
  t.is(cycle.code, 'ACTOR_CALL_CYCLE');
});

conformance('a fan-out of 40 branches calling back into the coordinator completes, each at depth 2', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const coordinator = { type: 'TypeA', id: randomId() };
  const plan: Plan = {
    parallel: true,
    calls: Array.from({ length: 40 }, (_, i) => ({
      type: 'TypeB',
      id: `${coordinator.id}-${i}`,
      plan: { calls: [{ type: 'TypeA', id: coordinator.id, plan: { add: 1 } }] },
    })),
  };
  const trace = await client.actor<{ run(p: Plan): Trace; count(): number }>('TypeA', coordinator.id).run(plan);
  const callbacks = trace.children.map((branch) => ((branch as Trace).children[0] as Trace).depth);
  t.is(callbacks.length, 40);
  t.true(callbacks.every((depth) => depth === 2));
  t.is(await client.actor<{ count(): number }>('TypeA', coordinator.id).count(), 40);
});

conformance('reentrancy disabled: a cycle fails at once naming it, a sibling branch of the chain waits and runs', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: false } } });
  const a = randomId();
  const b = randomId();
  const c = randomId();
  // A.run -> B.run -> A.run: a cycle; caught by B so the chain can report it.
  const trace = await client.actor<{ run(p: Plan): Trace }>('TypeA', a).run({
    calls: [{ type: 'TypeB', id: b, plan: { calls: [{ type: 'TypeA', id: a, plan: {}, catchError: true }] } }],
  });
  t.deepEqual((trace.children[0] as Trace).children[0], { error: 'ACTOR_CALL_CYCLE' });
  const direct = await t.throwsAsync(
    client
      .actor<{ run(p: Plan): Trace }>('TypeA', a)
      .run({ calls: [{ type: 'TypeB', id: b, plan: { calls: [{ type: 'TypeA', id: a, plan: {} }] } }] }),
    { instanceOf: TurnqError },
  );
  t.is(direct.code, 'ACTOR_CALL_CYCLE');
  t.regex(direct.message, new RegExp(`TypeA/${a}\\.run -> TypeB/${b}\\.run -> TypeA/${a}\\.run`));
  // Siblings: A fans out to B1 and B2, both call C. C is held by B1's call while B2's waits, then runs.
  const hold = `hold-${c}`;
  const entered = `entered-${c}`;
  const fanout = client.actor<{ run(p: Plan): Trace }>('TypeA', `${a}-2`).run({
    parallel: true,
    calls: [
      {
        type: 'TypeB',
        id: `${b}-1`,
        plan: { calls: [{ type: 'TypeC', id: c, plan: { signal: entered, waitFor: hold, label: 'first' } }] },
      },
      { type: 'TypeB', id: `${b}-2`, plan: { waitFor: entered, calls: [{ type: 'TypeC', id: c, plan: { label: 'second' } }] } },
    ],
  });
  await latches.wait(entered);
  latches.open(hold);
  const result = await fanout;
  t.is(result.children.length, 2);
  t.deepEqual(await client.actor<{ labels(): string[] }>('TypeC', c).labels(), ['first', 'second']);
});

conformance('a one-way send starts a chain of its own', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: { reentrancy: { enabled: false } } });
  const a = randomId();
  const done = `sent-${a}`;
  // A sends to itself: not a cycle (the send does not wait), it runs after A's turn ends.
  const trace = await client
    .actor<{ run(p: Plan): Trace }>('TypeA', a)
    .run({ sends: [{ type: 'TypeA', id: a, plan: { signal: done, add: 1 } }] });
  await latches.wait(done);
  t.is(trace.depth, 1);
  t.is(await client.actor<{ count(): number }>('TypeA', a).count(), 1);
});

conformance('two reentrant turns of one actor interleaving at awaits each carry their own chain context', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const a = randomId();
  const branches = [1, 2, 3, 4];
  const trace = await client.actor<{ run(p: Plan): Trace }>('TypeA', a).run({
    parallel: true,
    calls: branches.map((i) => ({
      type: 'TypeB',
      id: `${a}-${i}`,
      plan: { calls: [{ type: 'TypeA', id: a, plan: { yield: true, calls: [{ type: 'TypeC', id: `${a}-${i}`, plan: {} }] } }] },
    })),
  });
  for (const [index, i] of branches.entries()) {
    const reentered = (trace.children[index] as Trace).children[0] as Trace;
    const leaf = reentered.children[0] as Trace;
    t.is(reentered.depth, 2);
    t.deepEqual(leaf.callers, [`TypeA/${a}.run`, `TypeB/${a}-${i}.run`, `TypeA/${a}.run`]);
    t.is(leaf.reentrancyId, trace.reentrancyId);
  }
});

conformance('nested calls carry the chain id and inherit the remaining deadline; a shorter timeout narrows it', async (t, backend) => {
  const { client } = await startCluster(t, backend, { actors: SCRIPTED, config: reentrant });
  const a = randomId();
  const before = Date.now();
  const trace = await client.actor<{ run(p: Plan): Trace }>('TypeA', a, { timeout: '20s' }).run({
    calls: [
      { type: 'TypeB', id: a, plan: { calls: [{ type: 'TypeC', id: a, plan: {} }] } },
      { type: 'TypeB', id: `${a}-short`, timeout: 5000, plan: {} },
    ],
  });
  t.true(trace.deadline >= before + 20_000 && trace.deadline <= Date.now() + 20_000);
  const inherited = trace.children[0] as Trace;
  t.is(inherited.deadline, trace.deadline);
  t.is((inherited.children[0] as Trace).deadline, trace.deadline);
  t.is(inherited.reentrancyId, trace.reentrancyId);
  const narrowed = trace.children[1] as Trace;
  t.true(narrowed.deadline < trace.deadline);
});
