/**
 * BullMQ figures, measured in one run next to raw baselines on the same Redis (REDIS_URL, default
 * redis://127.0.0.1:6379), everything in this process:
 *
 * - baselines: plain BullMQ add-and-process (one-way, 16 adds in flight, a Worker with concurrency
 *   16), plain BullMQ RPC (`add` + `waitUntilFinished` through QueueEvents), and a raw Redis RPC
 *   (LPUSH + BRPOP echo) that shows what the reply-list design can reach;
 * - turnq over BullMQ (state in Redis): RPC p50/p99 with one call in flight, throughput with 16 and
 *   128 in flight over 1,000 Counter actors, and `A -> B -> A` chain latency; as ratios to the
 *   baselines. The RPC baselines and the turnq rows alternate over seven rounds (medians reported, with
 *   the per-round ratios), so that other load on the machine hits both alike. One shard queue, the
 *   baseline's single queue (BENCH_SHARDS=4 measures the default); CPU per call of this process and of Redis from /proc.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ActorRegistry } from '../src/actor/actor-registry.js';
import { Client } from '../src/client/client.js';
import { resolveConfig, settingsFor } from '../src/config/load-config.js';
import { randomId } from '../src/protocol/ids.js';
import { ActorHost } from '../src/runtime/actor-host.js';
import { createRedisStateStore } from '../src/state/redis-state-store.js';
import { createBullmqTransport } from '../src/transport/bullmq/bullmq-transport.js';
import { Counter } from '../workers/actors/counter.js';
import { BenchA, BenchB } from './chain-actors.js';
import { CpuAccount, pidOf } from './cpu.js';
import { measure, median, pairedRatio, ratio, type BenchReport, type Measured } from './report.js';
import { unlinkMatching } from '../src/state/redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Alternating rounds of the RPC baselines and the turnq rows (the machine is shared: medians reported). */
const ROUNDS = 7;

/** `1.94x (round by round: median 1.90x (1.71-2.10x) over 7 rounds)`: the ratio of the medians, then per round. */
function ratioWithSpread(values: Measured[] | undefined, bases: Measured[] | undefined, field: 'rate' | 'p50Ms'): string {
  return `${ratio(median(values)[field], median(bases)[field])} (round by round: ${pairedRatio(values, bases, (m) => m[field])})`;
}

export async function runBullmqBench(report: BenchReport, scale = Number(process.env.BENCH_SCALE ?? '1')): Promise<void> {
  /** Call counts scaled by BENCH_SCALE (0.2 for a quick run). */
  const n = (count: number): number => Math.max(20, Math.round(count * scale));
  const ns = `bench-${randomId().slice(0, 8)}`;
  const admin = new Redis(REDIS_URL);
  const connection = { url: REDIS_URL };
  try {
    // ---- baseline: plain BullMQ add-and-process (one-way) ----
    const oneWayQueue = new Queue(`${ns}.raw.oneway`, { connection });
    let processed = 0;
    let allProcessed: (() => void) | undefined;
    const oneWayTotal = n(6000);
    const oneWayWorker = new Worker(
      `${ns}.raw.oneway`,
      () => {
        if (++processed === oneWayTotal) allProcessed?.();
        return Promise.resolve(null);
      },
      { connection, concurrency: 16 },
    );
    await oneWayWorker.waitUntilReady();
    const processedAll = new Promise<void>((resolve) => {
      allProcessed = resolve;
    });
    const t0 = performance.now();
    await measure(oneWayTotal, 16, () => oneWayQueue.add('x', { i: 1 }, { removeOnComplete: true }));
    await processedAll;
    const oneWayRate = (oneWayTotal / (performance.now() - t0)) * 1000;
    report.add({
      suite: 'bullmq',
      name: 'baseline: plain BullMQ add-and-process, 16 adds in flight',
      rate: oneWayRate,
      note: 'Worker concurrency 16',
    });
    await oneWayWorker.close();
    await oneWayQueue.close();

    // ---- raw Redis RPC, LPUSH + BRPOP echo (what the reply lists build on) ----
    const echoServer = new Redis(REDIS_URL);
    const echoClient = new Redis(REDIS_URL);
    const caller = new Redis(REDIS_URL);
    let echoing = true;
    const echoLoop = (async () => {
      while (echoing) {
        const popped = await echoServer.brpop(`${ns}.raw.req`, 1);
        if (popped !== null) await echoServer.lpush(`${ns}.raw.rep`, popped[1]);
      }
    })();
    const raw = await measure(n(3000), 1, async () => {
      await caller.lpush(`${ns}.raw.req`, 'x');
      return echoClient.brpop(`${ns}.raw.rep`, 5);
    });
    report.add({ suite: 'bullmq', name: 'baseline: Redis LPUSH + BRPOP RPC, 1 in flight', ...raw });
    echoing = false;
    await echoLoop;

    // ---- the two reply mechanisms alone: a reply list (LPUSH, BRPOP) against a stream read the way
    // QueueEvents reads BullMQ's events (XADD, XREAD BLOCK); one reply in flight, reader already waiting.
    const listReply = await measure(n(3000), 1, async () => {
      const read = echoClient.brpop(`${ns}.raw.replies`, 5);
      await caller.lpush(`${ns}.raw.replies`, 'r');
      return read;
    });
    report.add({ suite: 'bullmq', name: 'reply path: LPUSH + waiting BRPOP', ...listReply });
    let lastId = '$';
    const streamReply = await measure(n(3000), 1, async () => {
      const read = echoClient.xread('BLOCK', 5000, 'STREAMS', `${ns}.raw.events`, lastId);
      await caller.xadd(`${ns}.raw.events`, 'MAXLEN', '~', '10000', '*', 'event', 'completed');
      const got = await read;
      const entries = got?.[0]?.[1];
      lastId = entries?.[entries.length - 1]?.[0] ?? lastId;
      return got;
    });
    report.add({
      suite: 'bullmq',
      name: 'reply path: XADD + waiting XREAD BLOCK (QueueEvents)',
      ...streamReply,
      note: `p50 ${ratio(listReply.p50Ms, streamReply.p50Ms)} for the list`,
    });
    echoServer.disconnect();
    echoClient.disconnect();
    caller.disconnect();

    // ---- plain BullMQ RPC (add + waitUntilFinished through QueueEvents) and turnq, side by side ----
    const rpcQueue = new Queue(`${ns}.raw.rpc`, { connection });
    // Every pending waitUntilFinished adds a `closing` listener to the queue and two to QueueEvents:
    // without these limits Node prints a MaxListenersExceededWarning (to stderr) again and again with
    // 16 in flight, which slowed the baseline down. No behaviour of BullMQ changes.
    rpcQueue.setMaxListeners(1000);
    const events = new QueueEvents(`${ns}.raw.rpc`, { connection });
    events.setMaxListeners(1000);
    await events.waitUntilReady();
    const rpcWorker = new Worker(`${ns}.raw.rpc`, (job) => Promise.resolve((job.data as { n: number }).n + 1), {
      connection,
      concurrency: 16,
    });
    await rpcWorker.waitUntilReady();
    const rpcCall = async (): Promise<unknown> => {
      const job = await rpcQueue.add('x', { n: 1 }, { removeOnComplete: 1000 });
      return job.waitUntilFinished(events, 10_000);
    };

    const config = resolveConfig(
      [
        {
          raw: { namespace: ns, shards: Number(process.env.BENCH_SHARDS ?? '1'), prefetch: 64, reentrancy: { enabled: true } },
          where: 'bench',
        },
      ],
      process.cwd(),
    );
    const workerTransport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
    const store = await createRedisStateStore(REDIS_URL, ns);
    const host = new ActorHost({
      config,
      transport: workerTransport,
      registry: new ActorRegistry().register(Counter, BenchA, BenchB),
      store,
    });
    await host.start();
    const clientTransport = await createBullmqTransport(REDIS_URL, { namespace: ns, maxMessageBytes: config.maxMessageBytes });
    const client = new Client({ transport: clientTransport, shardsFor: (type) => settingsFor(config, type).shards, callTimeout: 30_000 });
    await client.start();
    try {
      const add = (i: number): Promise<unknown> => client.call('Counter', `c${i % 1000}`, 'add', [1]);
      const chainCall = (i: number): Promise<unknown> => client.call('BenchA', `a${i % 10}`, 'run', [`b${i % 10}`]);
      // Warm-up: connections, scripts, the 1,000 activations.
      await measure(n(300), 4, rpcCall);
      await measure(n(2000), 16, add);
      await measure(n(100), 1, chainCall);
      // The machine is shared: baseline and turnq rows alternate over ROUNDS rounds, medians reported.
      const redisPid = pidOf('redis-server');
      const rpcCpu = new CpuAccount({ node: process.pid, redis: redisPid });
      const turnqCpu = new CpuAccount({ node: process.pid, redis: redisPid });
      const rows: Record<string, Measured[]> = { rpc1: [], rpc16: [], one: [], t16: [], t128: [], chain: [] };
      for (let round = 0; round < ROUNDS; round++) {
        rows.rpc1?.push(await measure(n(600), 1, rpcCall));
        rows.one?.push(await measure(n(600), 1, () => client.call('Counter', 'solo', 'add', [1])));
        rows.rpc16?.push(await rpcCpu.around(n(2500), () => measure(n(2500), 16, rpcCall)));
        rows.t16?.push(await turnqCpu.around(n(3000), () => measure(n(3000), 16, add)));
        rows.t128?.push(await measure(n(5000), 128, add));
        rows.chain?.push(await measure(n(200), 1, chainCall));
      }
      const rpc1 = median(rows.rpc1);
      const rpc16 = median(rows.rpc16);
      const one = median(rows.one);
      const t16 = median(rows.t16);
      const t128 = median(rows.t128);
      const chain = median(rows.chain);
      const rounds = `median of ${ROUNDS} alternating rounds`;
      report.add({ suite: 'bullmq', name: 'baseline: BullMQ add + waitUntilFinished RPC, 1 in flight', ...rpc1, note: rounds });
      report.add({
        suite: 'bullmq',
        name: 'baseline: BullMQ add + waitUntilFinished RPC, 16 in flight',
        ...rpc16,
        note: `${rounds}; ${rpcCpu.note()}`,
      });
      report.add({
        suite: 'bullmq',
        name: 'turnq RPC (Counter.add, state saved), 1 in flight',
        ...one,
        note: `p50 ${ratioWithSpread(rows.one, rows.rpc1, 'p50Ms')} of waitUntilFinished (target < 1)`,
      });
      report.add({
        suite: 'bullmq',
        name: 'turnq RPC, 16 in flight, 1,000 actors',
        ...t16,
        note: `${ratioWithSpread(rows.t16, rows.rpc16, 'rate')} waitUntilFinished with 16 (target >= 2); ${turnqCpu.note()}`,
      });
      report.add({
        suite: 'bullmq',
        name: 'turnq RPC, 128 in flight, 1,000 actors',
        ...t128,
        note: `${ratio(t128.rate, rpc16.rate)} waitUntilFinished with 16`,
      });
      report.add({
        suite: 'bullmq',
        name: 'turnq A -> B -> A chain, 1 in flight',
        ...chain,
        note: `p50 ${ratio(chain.p50Ms, rpc1.p50Ms)} of one waitUntilFinished RPC`,
      });
    } finally {
      await client.close();
      await host.stop();
      await clientTransport.close();
      await workerTransport.close();
      await store.close();
      await rpcWorker.close();
      await events.close();
      await rpcQueue.close();
    }
  } finally {
    await unlinkMatching(admin, [`${ns}:*`, `${ns}.*`, `bull:${ns}.*`]);
    admin.disconnect();
  }
}
