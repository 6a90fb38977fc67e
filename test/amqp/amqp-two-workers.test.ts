/**
 * Two worker processes on one broker (test/amqp/fixtures/amqp-worker.ts), under load from this
 * process: no actor ever runs on both at once (each turn logs its interval; intervals of one actor on
 * different processes never overlap), and `SIGKILL` of the worker that owns the shards moves them to
 * the other, which gets the killed worker's unacked messages again (every turn cut short on the killed
 * worker is started again on the survivor), while every call of the load ends with a result or a
 * coded retryable error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '../../src/client/client.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import { names, shardOf } from '../../src/protocol/sharding.js';
import { AMQP_URL, createAmqpFixture } from '../helpers/amqp-backend.js';
import { uniqueNamespace } from '../helpers/backends.js';
import { amqpTest } from './amqp-helpers.js';

interface TurnLine {
  e: 's' | 'e';
  a: string;
  tok: string;
  t: number;
  pid: number;
}

interface Worker {
  readonly child: ChildProcess;
  readonly turns: TurnLine[];
  /** Turns started and not ended right now. */
  readonly open: Set<string>;
  /** Resolves once the worker has printed the start of the turn `tok`. */
  started(tok: string): Promise<void>;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
}

const SHARDS = 3;

function startWorker(namespace: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test/amqp/fixtures/amqp-worker.ts')], {
    env: { ...process.env, TURNQ_AMQP_URL: AMQP_URL, TURNQ_NAMESPACE: namespace, TURNQ_SHARDS: String(SHARDS), TURNQ_PREFETCH: '8' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const turns: TurnLine[] = [];
  const open = new Set<string>();
  const waiting = new Map<string, () => void>();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code: number | null) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`worker exited with ${String(code)} before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as Partial<TurnLine> & { ready?: number };
      if (parsed.ready !== undefined) resolve();
      else if (parsed.e !== undefined) {
        turns.push(parsed as TurnLine);
        if (parsed.e === 's') {
          open.add(parsed.tok!);
          waiting.get(parsed.tok!)?.();
        } else open.delete(parsed.tok!);
      }
    });
  });
  const started = (tok: string): Promise<void> =>
    new Promise((resolve) => {
      if (turns.some((turn) => turn.e === 's' && turn.tok === tok)) resolve();
      else waiting.set(tok, resolve);
    });
  return { child, turns, open, started, ready, exited };
}

type Outcome = { ok: { pid: number; seq: number } } | { code: string; retryable: boolean };

amqpTest('two worker processes: an actor never runs on both; SIGKILL of the owner moves its shards and redelivers', async (t) => {
  const namespace = uniqueNamespace('two-workers');
  const fixture = createAmqpFixture(namespace, 'two-workers');
  for (let n = 0; n < SHARDS; n++) fixture.queues.add(names.shard(namespace, 'Seq', n));
  const a = startWorker(namespace);
  t.teardown(() => a.child.kill('SIGKILL'));
  await a.ready;
  const b = startWorker(namespace);
  t.teardown(() => b.child.kill('SIGKILL'));
  await b.ready;
  const client = new Client({ transport: await fixture.transport(), shardsFor: () => SHARDS, callTimeout: 20_000 });
  t.teardown(async () => {
    await client.close();
    await fixture.cleanup();
  });

  const actors = 40;
  const lanes = 3;
  const perLane = 10;
  let done = 0;
  let killedAt = 0;
  let thirdDone: () => void = () => undefined;
  const third = new Promise<void>((resolve) => {
    thirdDone = resolve;
  });
  const outcomes: Outcome[] = [];
  const lane = async (actor: number, laneNo: number): Promise<void> => {
    for (let i = 0; i < perLane; i++) {
      const token = `${actor}-${laneNo}-${i}`;
      try {
        outcomes.push({ ok: (await client.call('Seq', String(actor), 'step', [token, i, 10])) as { pid: number; seq: number } });
      } catch (error) {
        outcomes.push(
          error instanceof TurnqError ? { code: error.code, retryable: error.retryable } : { code: String(error), retryable: false },
        );
      }
      if (++done >= (actors * lanes * perLane) / 3) thirdDone();
    }
  };
  // Once a third of the load is done, A gets a turn that lasts 1.5 s, on an actor of a shard it owns,
  // and is killed as soon as it has started it: that turn is certainly cut by the kill (the load's 10 ms
  // turns may all have ended by the time the signal lands), and its message is unacked.
  const killer = third.then(async () => {
    const servedByA = a.turns.find((turn) => turn.e === 's')?.a ?? '0';
    let id = 0;
    while (shardOf(`long${id}`, SHARDS) !== shardOf(servedByA, SHARDS)) id++;
    const long = client.call('Seq', `long${id}`, 'step', ['long-0', 0, 1500]);
    await a.started('long-0');
    killedAt = performance.timeOrigin + performance.now();
    a.child.kill('SIGKILL');
    return long;
  });
  await Promise.all(Array.from({ length: actors * lanes }, (_, k) => lane(k % actors, Math.floor(k / actors))));
  const long = (await killer) as { pid: number; seq: number };
  await a.exited;
  t.is(long.pid, b.child.pid!, 'the long turn cut by the kill ran again on B, which answered it');

  // Every call ended with a result or a coded retryable error (none waited for its deadline).
  t.is(outcomes.length, actors * lanes * perLane);
  for (const o of outcomes) if (!('ok' in o)) t.like(o, { retryable: true });
  t.false(outcomes.some((o) => 'code' in o && o.code === 'DEADLINE_EXCEEDED'));
  const pids = new Set(outcomes.flatMap((o) => ('ok' in o ? [o.ok.pid] : [])));
  t.true(pids.has(a.child.pid!) && pids.has(b.child.pid!), 'both workers served calls');

  // No actor ran on both processes at once: its turns on A (cut at the kill) and on B never overlap.
  const intervals = (turns: TurnLine[], cut: number): Map<string, { tok: string; from: number; to: number }[]> => {
    const byActor = new Map<string, { tok: string; from: number; to: number }[]>();
    const open = new Map<string, number>();
    for (const turn of turns) {
      if (turn.e === 's') open.set(turn.tok, turn.t);
      else {
        const from = open.get(turn.tok) ?? turn.t;
        open.delete(turn.tok);
        (byActor.get(turn.a) ?? byActor.set(turn.a, []).get(turn.a)!).push({ tok: turn.tok, from, to: turn.t });
      }
    }
    for (const [tok, from] of open) {
      const actor = tok.split('-')[0]!;
      (byActor.get(actor) ?? byActor.set(actor, []).get(actor)!).push({ tok: `${tok}*`, from, to: cut });
    }
    return byActor;
  };
  const onA = intervals(a.turns, killedAt);
  const onB = intervals(b.turns, Number.POSITIVE_INFINITY);
  let overlaps = 0;
  for (const [actor, list] of onA) {
    for (const x of list) for (const y of onB.get(actor) ?? []) if (x.from < y.to && y.from < x.to) overlaps++;
  }
  t.is(overlaps, 0);

  // The killed worker's unacked messages were delivered again, to B: every turn cut short by the kill,
  // and those that had run but were not acked yet, started again on B.
  const cut = [...onA.values()]
    .flat()
    .filter((i) => i.tok.endsWith('*'))
    .map((i) => i.tok.slice(0, -1));
  const startedOnA = new Set(a.turns.filter((x) => x.e === 's').map((x) => x.tok));
  const startedOnB = new Set(b.turns.filter((x) => x.e === 's').map((x) => x.tok));
  const again = [...startedOnA].filter((tok) => startedOnB.has(tok));
  t.log(
    `calls ${outcomes.length}, errors ${outcomes.filter((o) => !('ok' in o)).length}, turns on A ${startedOnA.size}, on B ${startedOnB.size}, cut by the kill ${cut.length}, run again on B ${again.length}`,
  );
  for (const tok of cut) t.true(startedOnB.has(tok), `turn ${tok} redelivered to B`);
  t.true(again.length > 0, 'messages A had taken were delivered again to B');

  b.child.kill('SIGTERM');
  t.is(await b.exited, 0);
});
