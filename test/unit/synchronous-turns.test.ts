import test from 'ava';
import { resolveConfig } from '../../src/config/load-config.js';
import { randomId } from '../../src/protocol/ids.js';
import { createTurnq } from '../../src/runtime/turnq.js';
import { waited } from '../helpers/events.js';
import { heldTurn, SCRIPTED, type Plan, type Trace } from '../helpers/scripted-actors.js';

type Scripted = { run(p: Plan): Trace; bump(): number };

test('thousands of waiting calls that end at once are served in order, in a loop rather than a recursion', async (t) => {
  const config = resolveConfig([{ raw: { logLevel: 'silent' }, where: 'test' }], process.cwd());
  const turnq = await createTurnq({ config, actors: SCRIPTED });
  t.teardown(() => turnq.close());
  const id = randomId();
  const actor = turnq.client.actor<Scripted>('TypeA', id);
  const held = heldTurn(id);
  const running = actor.run(held.plan);
  await held.started;
  const count = 9000;
  const queued = waited(turnq.host!, `TypeA/${id}`, count);
  const bumps = Array.from({ length: count }, () => actor.bump());
  await queued;
  held.release();
  await running;
  // Each bump ran alone and in arrival order: the results count up one by one.
  t.deepEqual(
    await Promise.all(bumps),
    Array.from({ length: count }, (_, i) => i + 1),
  );
});
