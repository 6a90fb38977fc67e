import test from 'ava';
import { Actor } from '../../src/actor/actor.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { createTurnq } from '../../src/runtime/turnq.js';

class Keeper extends Actor<{ value: unknown }> {
  static readonly type = 'Keeper';
  protected override initialState(): { value: unknown } {
    return { value: 0 };
  }
  set(value: number): number {
    this.state.value = value;
    return value;
  }
  setBig(): string {
    this.state.value = 10n;
    return 'set';
  }
  get(): unknown {
    return this.state.value;
  }
}

test('a turn that leaves state JSON cannot hold fails with ACTOR_STATE_INVALID; the actor keeps its saved state and serves on', async (t) => {
  const config = resolveConfig([{ raw: { logLevel: 'silent' }, where: 'test' }], process.cwd());
  const turnq = await createTurnq({ config, actors: [Keeper] });
  t.teardown(() => turnq.close());
  const keeper = turnq.client.actor<Keeper>('Keeper', 'k');
  t.is(await keeper.set(7), 7);
  const error = await t.throwsAsync(keeper.setBig(), { instanceOf: TurnqError });
  t.is(error.code, 'ACTOR_STATE_INVALID');
  t.false(error.retryable);
  t.is(await keeper.get(), 7);
  t.is(await keeper.set(8), 8);
});
