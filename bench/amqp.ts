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
 * - turnq: a worker process hosting BenchEcho, BenchTally, BenchA and BenchB (4 shards, prefetch 64,
 *   memory state), called through turnq's Client: RPC with 1 call in flight, 16 and 128 in flight over
 *   1,000 actors, one-way sends, and an `A -> B -> A` chain (three invocations per call).
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
import { measure, type BenchReport } from './report.js';

const URL = process.env.TURNQ_AMQP_URL ?? 'amqp://127.0.0.1:5672';
const SOCKET = { noDelay: true } as Parameters<typeof amqp.connect>[1];

class BenchEcho extends Actor<Record<string, never>> {
  static readonly type = 'BenchEcho';
  echo(value: unknown): unknown {
    return value;
  }
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

class BenchA extends Actor<Record<string, never>> {
  static readonly type = 'BenchA';
  async run(peer: string): Promise<string> {
    return this.actor<BenchB>('BenchB', peer).back(this.id);
  }
  leaf(): string {
    return 'ok';
  }
}

class BenchB extends Actor<Record<string, never>> {
  static readonly type = 'BenchB';
  async back(caller: string): Promise<string> {
    return this.actor<BenchA>('BenchA', caller).leaf();
  }
}

function configFor(namespace: string): ReturnType<typeof resolveConfig> {
  return resolveConfig(
    [{ raw: { transport: URL, namespace, reentrancy: { enabled: true }, callTimeout: 60_000 }, where: 'bench' }],
    process.cwd(),
  );
}

// ---- child process roles ----

async function echoServer(queue: string): Promise<void> {
  const connection = await amqp.connect(URL, SOCKET);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true, arguments: shardQueueArguments(queue) });
  await channel.prefetch(256);
  await channel.consume(queue, (msg) => {
    if (msg === null) return;
    const replyTo: unknown = msg.properties.replyTo;
    if (typeof replyTo === 'string') channel.publish('', replyTo, msg.content, { correlationId: msg.properties.correlationId as string });
    channel.ack(msg);
  });
}

async function turnqWorker(namespace: string): Promise<void> {
  await createTurnq({ config: configFor(namespace), actors: [BenchEcho, BenchTally, BenchA, BenchB] });
}

const role = process.env.TURNQ_BENCH_AMQP_ROLE;
if (role !== undefined) {
  const name = process.env.TURNQ_BENCH_AMQP_NAME ?? 'bench';
  await (role === 'echo' ? echoServer(name) : turnqWorker(name));
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => process.exit(0));
}

function startChild(which: 'echo' | 'worker', name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
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

/** turnq's invocation headers (same names and sizes), for the "same wire" baseline. */
function wireHeaders(id: string): Record<string, string> {
  return {
    'turnq-protocol': '1',
    'turnq-message-id': id.padStart(32, '0'),
    'turnq-actor-type': 'BenchEcho',
    'turnq-actor-id': '123',
    'turnq-method': 'echo',
    'turnq-reentrancy-id': 'f'.repeat(32),
    'turnq-call-stack': '[]',
    'turnq-depth': '1',
    'turnq-deadline': String(Date.now() + 60_000),
    'turnq-reply-to': 'amq.rabbitmq.reply-to',
  };
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
        if (wire) confirm.publish('', queue, body, { ...options, messageId: id, headers: wireHeaders(id) }, noop);
        else channel.publish('', queue, body, options);
      }),
    send: () =>
      new Promise<void>((resolve, reject) => {
        const id = String(n++);
        const headers = wire ? wireHeaders(id) : undefined;
        confirm.publish('', queue, body, { persistent: true, mandatory: true, messageId: id, headers }, (error: unknown) => {
          if (error === null || error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error('the broker nacked the message'));
        });
      }),
    close: () => connection.close(),
  };
}

const ratio = (value: number, base: number): string => `${(value / base).toFixed(2)}x`;

export async function runAmqpBench(report: BenchReport): Promise<void> {
  const tag = randomId().slice(0, 8);
  const rawQueue = `bench-raw-${tag}`;
  const namespace = `bench-${tag}`;
  const children: ChildProcess[] = [];
  const admin = await amqp.connect(URL);
  try {
    children.push(await startChild('echo', rawQueue));
    const raw = await rawClient(rawQueue, false);
    for (let i = 0; i < 500; i++) await raw.call(); // warm-up
    const raw1 = await measure(2000, 1, () => raw.call());
    const raw16 = await measure(10_000, 16, () => raw.call());
    const raw128 = await measure(20_000, 128, () => raw.call());
    await raw.close();
    const wire = await rawClient(rawQueue, true);
    const wire1 = await measure(2000, 1, () => wire.call());
    const wire128 = await measure(20_000, 128, () => wire.call());
    const rawOneWayStart = performance.now();
    await measure(20_000, 128, () => wire.send());
    await wire.call(); // FIFO: the echo server has consumed every send once this returns
    const rawOneWay = (20_000 / (performance.now() - rawOneWayStart)) * 1000;
    await wire.close();
    const base = 'raw amqplib, direct reply-to, classic SAC queue, persistent, echo in a child process';
    const same = 'raw amqplib with turnq headers and confirms (same wire and guarantees)';
    report.add({ suite: 'amqp', name: 'raw RPC, 1 in flight', rate: raw1.rate, p50Ms: raw1.p50Ms, p99Ms: raw1.p99Ms, note: base });
    report.add({ suite: 'amqp', name: 'raw RPC, 16 in flight', rate: raw16.rate, p50Ms: raw16.p50Ms, p99Ms: raw16.p99Ms, note: base });
    report.add({ suite: 'amqp', name: 'raw RPC, 128 in flight', rate: raw128.rate, p50Ms: raw128.p50Ms, p99Ms: raw128.p99Ms, note: base });
    report.add({
      suite: 'amqp',
      name: 'raw RPC same wire, 1 in flight',
      rate: wire1.rate,
      p50Ms: wire1.p50Ms,
      p99Ms: wire1.p99Ms,
      note: same,
    });
    report.add({
      suite: 'amqp',
      name: 'raw RPC same wire, 128 in flight',
      rate: wire128.rate,
      p50Ms: wire128.p50Ms,
      p99Ms: wire128.p99Ms,
      note: same,
    });
    report.add({
      suite: 'amqp',
      name: 'raw one-way, 128 in flight',
      rate: rawOneWay,
      note: 'turnq headers, persistent + confirms, acked by the consumer',
    });

    children.push(await startChild('worker', namespace));
    const turnq = await createTurnq({ config: configFor(namespace) });
    const client = turnq.client;
    for (let i = 0; i < 500; i++) await client.call('BenchEcho', String(i % 1000), 'echo', [i]); // warm-up, activations
    for (let i = 0; i < 1000; i++) await client.call('BenchEcho', String(i), 'echo', [i]);
    const t1 = await measure(2000, 1, (i) => client.call('BenchEcho', String(i % 1000), 'echo', [i]));
    report.add({
      suite: 'amqp',
      name: 'turnq RPC, 1 in flight',
      rate: t1.rate,
      p50Ms: t1.p50Ms,
      p99Ms: t1.p99Ms,
      note: `p50 ${ratio(t1.p50Ms, raw1.p50Ms)} raw, ${ratio(t1.p50Ms, wire1.p50Ms)} same wire; rate ${ratio(t1.rate, raw1.rate)} raw`,
    });
    const t16 = await measure(10_000, 16, (i) => client.call('BenchEcho', String(i % 1000), 'echo', [i]));
    report.add({
      suite: 'amqp',
      name: 'turnq RPC, 16 in flight, 1,000 actors',
      rate: t16.rate,
      p50Ms: t16.p50Ms,
      p99Ms: t16.p99Ms,
      note: `rate ${ratio(t16.rate, raw16.rate)} raw`,
    });
    const t128 = await measure(20_000, 128, (i) => client.call('BenchEcho', String(i % 1000), 'echo', [i]));
    report.add({
      suite: 'amqp',
      name: 'turnq RPC, 128 in flight, 1,000 actors',
      rate: t128.rate,
      p50Ms: t128.p50Ms,
      p99Ms: t128.p99Ms,
      note: `rate ${ratio(t128.rate, raw128.rate)} raw, ${ratio(t128.rate, wire128.rate)} same wire`,
    });
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
    report.add({
      suite: 'amqp',
      name: 'turnq A -> B -> A chain, 1 in flight',
      rate: chain.rate,
      p50Ms: chain.p50Ms,
      p99Ms: chain.p99Ms,
      note: `p50 ${ratio(chain.p50Ms, raw1.p50Ms)} one raw RPC, ${ratio(chain.p50Ms, 3 * raw1.p50Ms)} three (3 invocations + 3 replies)`,
    });
    await turnq.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    const channel = await admin.createChannel();
    await channel.deleteQueue(rawQueue);
    for (const type of ['BenchEcho', 'BenchTally', 'BenchA', 'BenchB'])
      for (let n = 0; n < 4; n++) await channel.deleteQueue(`${namespace}.shard.${type}.${n}`);
    await channel.deleteQueue(`${namespace}.dead-letter`);
    await channel.deleteExchange(`${namespace}.control`);
    await admin.close();
  }
}
