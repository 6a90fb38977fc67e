import test from 'ava';
import { Actor } from '../../src/index.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { createTurnq } from '../../src/runtime/turnq.js';

const gates = new Map<string, () => void>();
const holding = new Map<string, () => void>();

/** `hold` keeps the lock until the test opens its gate; `add` ends at once (a synchronous turn). */
class Gate extends Actor<{ n: number }> {
  static readonly type = 'Gate';
  protected override initialState(): { n: number } {
    return { n: 0 };
  }
  async hold(): Promise<string> {
    await new Promise<void>((resolve) => {
      gates.set(this.id, resolve);
      holding.get(this.id)?.();
    });
    return 'held';
  }
  add(): number {
    return ++this.state.n;
  }
}

test('thousands of waiting calls that end at once are served in order, in a loop rather than a recursion', async (t) => {
  const config = resolveConfig([{ raw: { logLevel: 'silent' }, where: 'test' }], process.cwd());
  const turnq = await createTurnq({ config, actors: [Gate] });
  t.teardown(() => turnq.close());
  const gate = turnq.client.actor<Gate>('Gate', 'g1');
  const holds = new Promise<void>((resolve) => holding.set('g1', resolve));
  const held = gate.hold();
  await holds;
  const count = 9000;
  const waited = new Promise<void>((resolve) => {
    let seen = 0;
    const subscription = turnq.host?.events.stream.subscribe((event) => {
      if (event.type === 'waited' && event.method === 'add' && ++seen === count) {
        subscription?.unsubscribe();
        resolve();
      }
    });
  });
  const adds = Array.from({ length: count }, () => gate.add());
  await waited;
  gates.get('g1')?.();
  t.is(await held, 'held');
  // Each add ran alone and in arrival order: the results count up one by one.
  t.deepEqual(
    await Promise.all(adds),
    Array.from({ length: count }, (_, i) => i + 1),
  );
});
