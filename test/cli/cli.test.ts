/** The `turnq` command as a user runs it: a real child process per test. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { names } from '../../src/protocol/sharding.js';
import { AMQP_URL, amqpUnavailable, deleteAmqpNamespace } from '../helpers/amqp-backend.js';
import { uniqueNamespace } from '../helpers/backends.js';
import { brokerTest } from '../helpers/broker-test.js';

const BIN = new URL('../../bin/turnq.js', import.meta.url).pathname;

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves once the process has written `text` to stdout or stderr. */
  printed(text: string): Promise<void>;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  const waiting = new Set<() => void>();
  const changed = (): void => {
    for (const check of waiting) check();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    changed();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    changed();
  });
  return {
    child,
    printed: (text) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!stdout.includes(text) && !stderr.includes(text)) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      }),
    done: once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr })),
  };
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return start(args, env).done;
}

const amqpDown = await amqpUnavailable();

test('turnq call prints the result as JSON', async (t) => {
  const { code, stdout, stderr } = await run(['call', 'Counter/42', 'add', '5']);
  t.is(code, 0, stderr);
  t.is(stdout.trim(), '5');
});

test('turnq call reports a coded error and exits 1', async (t) => {
  const unknown = await run(['call', 'Counter/42', 'multiply', '2']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^ACTOR_METHOD_UNKNOWN: actor type Counter has no method multiply/m);
  const thrown = await run(['call', 'Counter/42', 'add', '"x"']);
  t.is(thrown.code, 1);
  t.regex(thrown.stderr, /ACTOR_ERROR: add expects a number \(Counter\/42\)/);
});

test('a bad config value is named with its key', async (t) => {
  const { code, stderr } = await run(['config'], { TURNQ_REENTRANCY_MAX_STACK_DEPTH: 'deep' });
  t.is(code, 1);
  t.regex(stderr, /CONFIG_INVALID: reentrancy\.maxStackDepth: "deep"/);
});

test('a worker drains and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, 'worker', '--config', 'config/default.yaml'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('worker ready')) resolve();
    });
  });
  await ready;
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  t.is(code, 0);
  t.regex(stdout, /"msg":"draining"/);
  t.regex(stdout, /"msg":"worker stopped"/);
});

brokerTest('turnq call --wait: a call made before any worker hosts the type waits for one (RabbitMQ)', amqpDown, async (t) => {
  const ns = uniqueNamespace(t.title);
  const dir = mkdtempSync(join(tmpdir(), 'turnq-cli-'));
  const config = join(dir, 'turnq.yaml');
  const counter = new URL('../../workers/actors/counter.ts', import.meta.url).pathname;
  writeFileSync(config, `transport: ${AMQP_URL}\nstateStore: memory://\nnamespace: ${ns}\nshards: 1\nmodules:\n  - ${counter}\n`);
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deleteAmqpNamespace(ns, [names.shard(ns, 'Counter', 0)]);
  });
  const call = start(['call', 'Counter/7', 'add', '2', '--wait', '60s', '--config', config]);
  // Refused at first: no shard queue for Counter exists until a worker declares it.
  const first = await Promise.race([call.printed('waiting for a worker').then(() => 'waits'), call.done.then(() => 'ended')]);
  t.is(first, 'waits', 'the call waits instead of failing with ACTOR_TYPE_UNKNOWN');
  const worker = start(['worker', '--config', config]);
  t.teardown(async () => {
    if (worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });
  const { code, stdout, stderr } = await call.done;
  t.is(code, 0, stderr);
  t.is(stdout.trim(), '2');
  worker.child.kill('SIGTERM');
  t.is((await worker.done).code, 0);
});
