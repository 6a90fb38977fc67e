/**
 * RabbitMQ figures (TURNQ_AMQP_URL, default amqp://127.0.0.1:5672), each next to a raw amqplib
 * baseline measured in the same run. Both servers run in a child process (this file, started again
 * with TURNQ_BENCH_AMQP_ROLE=echo|worker), the callers in this process, so both sides cross the same
 * process and socket boundaries:
 *
 * - raw baseline: a minimal amqplib echo server on a classic durable single-active-consumer queue
 *   (the same queue type and arguments as turnq's shard queues), called with persistent, mandatory
 *   publishes and RabbitMQ direct reply-to (the reply mechanism turnq uses); one-way: persistent
 *   publishes with confirms, acked by the echo server;
 * - turnq: a worker process hosting BenchEcho, BenchTally, BenchA and BenchB (prefetch 64, memory
 *   state), called through turnq's Client: RPC with 1 call in flight, 16 and 128 in flight over 1,000
 *   actors, one-way sends, and an `A -> B -> A` chain (three invocations per call). BenchEcho has one
 *   shard queue, the topology of the raw echo server; BenchEchoSharded is the same actor on the default
 *   4 shards, measured too (the broker spends more per message spread over more queues).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import * as amqp from 'amqplib';
import { Actor } from '../src/actor/actor.js';
import { resolveConfig } from '../src/config/load-config.js';
import { randomId } from '../src/protocol/ids.js';
import { createTurnq } from '../src/runtime/turnq.js';
import { shardQueueArguments } from '../src/transport/amqp/amqp-topology.js';
import { BenchA, BenchB } from './chain-actors.js';
import { CpuAccount, pidOf } from './cpu.js';
import { measure, median, pairedRatio, ratio, type BenchReport, type Measured } from './report.js';

const URL = process.env.TURNQ_AMQP_URL ?? 'amqp://127.0.0.1:5672';
const SOCKET = { noDelay: true } as Parameters<typeof amqp.connect>[1];

class BenchEcho extends Actor<Record<string, never>> {
  static readonly type: string = 'BenchEcho';
  echo(value: unknown): unknown {
    return value;
  }
}

/** BenchEcho on the default shard count. */
class BenchEchoSharded extends BenchEcho {
  static override readonly type: string = 'BenchEchoSharded';
}

class BenchTally extends Actor<{ hits: number }> {
  static readonly type = 'BenchTally';
  protected override initialState(): { hits: number } {
    return { hits: 0 };
  }
  hit(): void {
    this.state.hits++;
  }
  hits(): number {
    return this.state.hits;
  }
}

function configFor(namespace: string): ReturnType<typeof resolveConfig> {
  return resolveConfig(
    [
      {
        raw: {
          transport: URL,
          namespace,
          reentrancy: { enabled: true },
          callTimeout: 60_000,
          entitiesConfig: [{ entities: ['BenchEcho'], shards: 1 }],
        },
        where: 'bench',
      },
    ],
    process.cwd(),
  );
}

// ---- child process roles ----

async function echoServer(queue: string): Promise<void> {
  const connection = await amqp.connect(URL, SOCKET);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true, arguments: shardQueueArguments('bench') });
  await channel.prefetch(256);
  await channel.consume(queue, (msg) => {
    if (msg === null) return;
    const replyTo: unknown = msg.properties.replyTo;
    if (typeof replyTo === 'string') channel.publish('', replyTo, msg.content, { correlationId: msg.properties.correlationId as string });
    channel.ack(msg);
  });
}

async function turnqWorker(namespace: string): Promise<void> {
  await createTurnq({ config: configFor(namespace), actors: [BenchEcho, BenchEchoSharded, BenchTally, BenchA, BenchB] });
}

const role = process.env.TURNQ_BENCH_AMQP_ROLE;
if (role !== undefined) {
  const name = process.env.TURNQ_BENCH_AMQP_NAME ?? 'bench';
  await (role === 'echo' ? echoServer(name) : turnqWorker(name));
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => process.exit(0));
}

function startChild(which: 'echo' | 'worker', name: string): Promise<ChildProcess> {
  // The same file again: compiled (npm run bench) or through tsx when run from source.
  const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // BENCH_CHILD_NODE_ARGS: extra Node flags for the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...loader, ...extra, fileURLToPath(import.meta.url)], {
    env: { ...process.env, TURNQ_BENCH_AMQP_ROLE: which, TURNQ_BENCH_AMQP_NAME: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${which} process exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') resolve(child);
    });
  });
}

// ---- the raw baseline client ----

/**
 * turnq's invocation headers for a root call as its RabbitMQ mapping sends them (same names and sizes;
 * the message id travels in `message_id`, the method in `type`, the shard queue names the actor type, see
 * src/transport/amqp/amqp-wire.ts), for the "same wire" baseline.
 */
function wireHeaders(): Record<string, string> {
  return {
    'turnq-protocol': '1',
    'turnq-actor-id': '123',
    'turnq-reentrancy-id': 'f'.repeat(32),
    'turnq-call-stack': '[]',
    'turnq-depth': '1',
    'turnq-deadline': String(Date.now() + 60_000),
  };
}

/** The properties turnq sets besides `persistent`, `mandatory` and `reply_to`. */
function wireProperties(id: string): { messageId: string; type: string; contentType: string } {
  return { messageId: id.padStart(32, '0'), type: 'echo', contentType: 'application/json' };
}

interface RawClient {
  call(): Promise<void>;
  send(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `wire: false`: the minimal RPC (no headers, no confirm on calls); `wire: true`: the same messages and
 * guarantees as turnq (its headers, calls published on a confirm channel).
 */
async function rawClient(queue: string, wire: boolean): Promise<RawClient> {
  const connection = await amqp.connect(URL, SOCKET);
  const confirm = await connection.createConfirmChannel();
  const channel = wire ? confirm : await connection.createChannel();
  const waiting = new Map<string, () => void>();
  await channel.consume(
    'amq.rabbitmq.reply-to',
    (msg) => {
      const id: unknown = msg?.properties.correlationId;
      if (typeof id !== 'string') return;
      waiting.get(id)?.();
      waiting.delete(id);
    },
    { noAck: true },
  );
  const body = Buffer.from(JSON.stringify({ args: [1] }));
  let n = 0;
  const noop = (): void => undefined;
  return {
    call: () =>
      new Promise<void>((resolve) => {
        const id = String(n++);
        waiting.set(id, resolve);
        const options = { correlationId: id, replyTo: 'amq.rabbitmq.reply-to', persistent: true, mandatory: true };
        if (wire) confirm.publish('', queue, body, { ...options, ...wireProperties(id), headers: wireHeaders() }, noop);
        else channel.publish('', queue, body, options);
      }),
    send: () =>
      new Promise<void>((resolve, reject) => {
        const id = String(n++);
        const properties = wire ? { ...wireProperties(id), headers: wireHeaders() } : { messageId: id };
        confirm.publish('', queue, body, { persistent: true, mandatory: true, ...properties }, (error: unknown) => {
          if (error === null || error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error('the broker nacked the message'));
        });
      }),
    close: () => connection.close(),
  };
}

const ROUNDS = 7;

interface Contender {
  readonly call: (i: number) => Promise<unknown>;
  readonly cpu: CpuAccount;
  readonly runs: Record<number, Measured[]>;
}

function contender(call: (i: number) => Promise<unknown>, processes: Record<string, number | undefined>): Contender {
  return { call, cpu: new CpuAccount(processes), runs: { 1: [], 16: [], 128: [] } };
}

/** Calls per contender and round, by calls in flight. */
const PER_ROUND: Record<number, number> = { 1: 400, 16: 2000, 128: 4000 };

export async function runAmqpBench(report: BenchReport): Promise<void> {
  const tag = randomId().slice(0, 8);
  const rawQueue = `bench-raw-${tag}`;
  const namespace = `bench-${tag}`;
  const children: ChildProcess[] = [];
  const admin = await amqp.connect(URL);
  const broker = pidOf('beam.smp');
  try {
    const echo = await startChild('echo', rawQueue);
    children.push(echo);
    const worker = await startChild('worker', namespace);
    children.push(worker);
    const raw = await rawClient(rawQueue, false);
    const wire = await rawClient(rawQueue, true);
    const turnq = await createTurnq({ config: configFor(namespace) });
    const client = turnq.client;
    const echoCall = (i: number): Promise<unknown> => client.call('BenchEcho', String(i % 1000), 'echo', [i]);
    const contenders = {
      raw: contender(() => raw.call(), { client: process.pid, server: echo.pid, broker }),
      wire: contender(() => wire.call(), { client: process.pid, server: echo.pid, broker }),
      turnq: contender(echoCall, { client: process.pid, server: worker.pid, broker }),
    };
    // Warm-up; every BenchEcho actor activated.
    for (let i = 0; i < 500; i++) await Promise.all([raw.call(), wire.call()]);
    for (let i = 0; i < 1000; i++) await echoCall(i);
    // The contenders take turns, round after round, so that other load on the machine hits each alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const inFlight of [1, 16, 128]) {
        for (const c of Object.values(contenders)) {
          const total = PER_ROUND[inFlight] ?? 1000;
          // CPU is counted over the 128-in-flight rounds only (with fewer in flight, idle time spent
          // spinning, e.g. the broker's schedulers, would be counted per call).
          const run = (): Promise<Measured> => measure(total, inFlight, c.call);
          c.runs[inFlight]?.push(await (inFlight === 128 ? c.cpu.around(total, run) : run()));
        }
      }
    }
    const rawOneWayStart = performance.now();
    await measure(20_000, 128, () => wire.send());
    await wire.call(); // FIFO: the echo server has consumed every send once this returns
    const rawOneWay = (20_000 / (performance.now() - rawOneWayStart)) * 1000;
    await raw.close();
    await wire.close();

    const [raw1, raw16, raw128] = [1, 16, 128].map((n) => median(contenders.raw.runs[n])) as [Measured, Measured, Measured];
    const [wire1, wire128] = [1, 128].map((n) => median(contenders.wire.runs[n])) as [Measured, Measured];
    const [t1, t16, t128] = [1, 16, 128].map((n) => median(contenders.turnq.runs[n])) as [Measured, Measured, Measured];
    const base = 'raw amqplib, direct reply-to, classic SAC queue, persistent, echo in a child process';
    const same = 'raw amqplib with turnq headers and confirms (same wire and guarantees)';
    const row = (name: string, m: Measured, note: string): void => {
      report.add({ suite: 'amqp', name, rate: m.rate, p50Ms: m.p50Ms, p99Ms: m.p99Ms, note });
    };
    row('raw RPC, 1 in flight', raw1, base);
    row('raw RPC, 16 in flight', raw16, base);
    row('raw RPC, 128 in flight', raw128, `${base}; ${contenders.raw.cpu.note()}`);
    row('raw RPC same wire, 1 in flight', wire1, `${same}; p50 ${ratio(wire1.p50Ms, raw1.p50Ms)} raw`);
    row(
      'raw RPC same wire, 128 in flight',
      wire128,
      `${same}; rate ${ratio(wire128.rate, raw128.rate)} raw; ${contenders.wire.cpu.note()}`,
    );
    report.add({
      suite: 'amqp',
      name: 'raw one-way, 128 in flight',
      rate: rawOneWay,
      note: 'turnq headers, persistent + confirms, acked by the consumer',
    });
    row(
      'turnq RPC, 1 in flight',
      t1,
      `p50 ${ratio(t1.p50Ms, raw1.p50Ms)} raw (round by round: ${pairedRatio(contenders.turnq.runs[1], contenders.raw.runs[1], (m) => m.p50Ms)}), ` +
        `${ratio(t1.p50Ms, wire1.p50Ms)} same wire; rate ${ratio(t1.rate, raw1.rate)} raw`,
    );
    row('turnq RPC, 16 in flight, 1,000 actors', t16, `rate ${ratio(t16.rate, raw16.rate)} raw`);
    row(
      'turnq RPC, 128 in flight, 1,000 actors',
      t128,
      `rate ${ratio(t128.rate, raw128.rate)} raw (round by round: ${pairedRatio(contenders.turnq.runs[128], contenders.raw.runs[128], (m) => m.rate)}), ` +
        `${ratio(t128.rate, wire128.rate)} same wire; ${contenders.turnq.cpu.note()}`,
    );
    for (let i = 0; i < 1000; i++) await client.call('BenchEchoSharded', String(i), 'echo', [i]);
    const sharded = await measure(20_000, 128, (i) => client.call('BenchEchoSharded', String(i % 1000), 'echo', [i]));
    row('turnq RPC, 128 in flight, 1,000 actors on 4 shard queues', sharded, `rate ${ratio(sharded.rate, raw128.rate)} raw (one queue)`);
    const sends = 20_000;
    const oneWayStart = performance.now();
    await measure(sends, 128, (i) => client.sendOneWay('BenchTally', String(i % 1000), 'hit', []));
    const counted = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.call('BenchTally', String(i), 'hits', [])));
    const oneWay = (sends / (performance.now() - oneWayStart)) * 1000;
    const total = counted.reduce((sum: number, n) => sum + (n as number), 0);
    report.add({
      suite: 'amqp',
      name: 'turnq one-way, 128 in flight, 1,000 actors',
      rate: oneWay,
      note: `${ratio(oneWay, rawOneWay)} raw one-way (same wire); ${total}/${sends} processed`,
    });
    const chain = await measure(2000, 1, (i) => client.call('BenchA', String(i % 100), 'run', [String(i % 100)]));
    row(
      'turnq A -> B -> A chain, 1 in flight',
      chain,
      `p50 ${ratio(chain.p50Ms, raw1.p50Ms)} one raw RPC, ${ratio(chain.p50Ms, 3 * raw1.p50Ms)} three (3 invocations + 3 replies)`,
    );
    await turnq.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    const channel = await admin.createChannel();
    await channel.deleteQueue(rawQueue);
    for (const type of ['BenchEcho', 'BenchEchoSharded', 'BenchTally', 'BenchA', 'BenchB'])
      for (let n = 0; n < 4; n++) await channel.deleteQueue(`${namespace}.shard.${type}.${n}`);
    await channel.deleteQueue(`${namespace}.dead-letter`);
    await channel.deleteExchange(`${namespace}.control`);
    await admin.close();
  }
}
