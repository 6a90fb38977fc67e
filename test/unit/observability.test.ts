/** Logs carry the turn's chain on every line; the event stream reports what the scheduler does. */
import { Writable } from 'node:stream';
import test from 'ava';
import { pino } from 'pino';
import { Actor } from '../../src/actor/actor.js';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { resolveConfig } from '../../src/config/load-config.js';
import type { RuntimeEvent } from '../../src/events/runtime-events.js';
import { ActorHost } from '../../src/runtime/actor-host.js';
import { MemoryTransport } from '../../src/transport/memory/memory-transport.js';
import { eventSeen } from '../helpers/events.js';
import { latches } from '../helpers/latches.js';

class Chatty extends Actor<{ n: number }> {
  static readonly type = 'Chatty';
  protected override initialState(): { n: number } {
    return { n: 0 };
  }
  async outer(): Promise<number> {
    this.log.info('outer before');
    const inner = await this.actor<Chatty>('Chatty', this.id).inner();
    this.log.info('outer after');
    return inner;
  }
  inner(): number {
    this.log.info('inner');
    return 1;
  }
  /** Keeps its lock until the latch `name` opens, then calls `peer` in the same chain. */
  async holdThenCall(name: string, peer: string): Promise<number> {
    await this.hold(name);
    return this.actor<Chatty>('Chatty', peer).inner();
  }
  async hold(name: string): Promise<void> {
    if (typeof name !== 'string') throw new TypeError('hold needs a latch name');
    latches.open(`${name}-started`);
    await latches.wait(name);
  }
}

async function host(raw: Record<string, unknown>, lines: Record<string, unknown>[] = []): Promise<ActorHost> {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = resolveConfig([{ raw: { reentrancy: { enabled: true }, ...raw }, where: '' }], process.cwd());
  const h = new ActorHost({
    config,
    transport: new MemoryTransport(),
    registry: new ActorRegistry().register(Chatty),
    logger: pino({ level: 'info' }, stream),
  });
  await h.start();
  return h;
}

test('every log line of a turn names the actor, method, reentrancy id and depth', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const h = await host({}, lines);
  t.teardown(() => h.stop());
  await h.client.actor<Chatty>('Chatty', 'log').outer();
  const turnLines = lines.filter((l) => typeof l.msg === 'string' && ['outer before', 'inner', 'outer after'].includes(l.msg));
  t.is(turnLines.length, 3);
  const chain = turnLines[0]?.reentrancyId;
  t.regex(String(chain), /^[0-9a-f]{32}$/);
  t.deepEqual(
    turnLines.map((l) => [l.msg, l.actor, l.method, l.depth, l.reentrancyId === chain]),
    [
      ['outer before', 'Chatty/log', 'outer', 1, true],
      ['inner', 'Chatty/log', 'inner', 2, true],
      ['outer after', 'Chatty/log', 'outer', 1, true],
    ],
  );
});

test('the event stream reports activation, turns, re-entry, waiting, rejection and deactivation', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const h = await host({ mailbox: { softLimit: 1, hardLimit: 2 }, actorIdleTimeout: '5ms', actorScanInterval: '5ms' }, lines);
  t.teardown(() => h.stop());
  const events: RuntimeEvent[] = [];
  const deactivated = new Promise<void>((resolve) => {
    h.events.stream.subscribe((event) => {
      events.push(event);
      if (event.type === 'deactivated') resolve();
    });
  });
  const actor = h.client.actor<Chatty>('Chatty', 'ev');
  await actor.outer();
  const holding = actor.hold('ev-hold');
  await latches.wait('ev-hold-started');
  const waiting = [actor.inner(), actor.inner()];
  const rejected = await t.throwsAsync(actor.inner());
  t.is((rejected as { code?: string }).code, 'ACTOR_OVERLOADED');
  latches.open('ev-hold');
  await Promise.all([holding, ...waiting]);
  // By the real scan timer, once idle. The runtime's timers do not hold the event loop open (a worker's
  // transport does); the test holds it while it waits.
  const keepAlive = setInterval(() => undefined, 1000);
  await deactivated;
  clearInterval(keepAlive);
  const types = new Set(events.map((e) => e.type));
  for (const type of ['activated', 'turn-started', 'turn-ended', 'reentered', 'waited', 'rejected', 'deactivated'] as const)
    t.true(types.has(type), type);
  t.true(lines.some((l) => l.msg === 'actor mailbox above its soft limit' && l.actor === 'Chatty/ev'));
});

test('a draining worker starts no new chain, while the running turn finishes', async (t) => {
  const h = await host({});
  const actor = h.client.actor<Chatty>('Chatty', 'drain');
  const holding = actor.hold('drain-hold');
  await latches.wait('drain-hold-started');
  const started: string[] = [];
  h.events.stream.subscribe((event) => {
    if (event.type === 'turn-started') started.push(event.method);
  });
  const stopping = h.stop();
  const late = h.client.actor<Chatty>('Chatty', 'drain', { timeout: 200 }).inner();
  latches.open('drain-hold');
  await holding;
  await stopping;
  const error = await t.throwsAsync(late);
  t.true(['DEADLINE_EXCEEDED', 'TRANSPORT_CLOSED'].includes((error as { code?: string }).code ?? ''));
  t.deepEqual(started, []);
});

test('a failing one-way send is logged, since nobody waits for its reply', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const h = await host({}, lines);
  t.teardown(() => h.stop());
  const ended = eventSeen(h, 'turn-ended', (event) => event.actor === 'Chatty/oneway');
  await h.client.sendOneWay('Chatty', 'oneway', 'hold', [42]);
  await ended;
  t.true(lines.some((l) => l.msg === 'one-way call failed' && l.actor === 'Chatty/oneway' && l.method === 'hold'));
});

test('a draining worker serves a running chain behind a message it will not start', async (t) => {
  const h = await host({ drainRebalancedActors: true, drainOngoingCallTimeout: '20s' });
  const running = h.client.actor<Chatty>('Chatty', 'dq-a').holdThenCall('dq', 'dq-b');
  await latches.wait('dq-started');
  const stopping = h.stop();
  // A new chain's call into the unlocked dq-b waits: a draining worker starts no new chain.
  const queued = eventSeen(h, 'waited', (event) => event.actor === 'Chatty/dq-b');
  const blocked = h.client.actor<Chatty>('Chatty', 'dq-b', { timeout: 60_000 }).inner();
  await queued;
  latches.open('dq');
  // The running chain's call into dq-b is served at once, past the blocked message.
  t.is(await running, 1);
  await stopping;
  const error = await t.throwsAsync(blocked);
  t.is((error as { code?: string }).code, 'TRANSPORT_CLOSED');
});
