/** The `turnq` command as a user runs it: a real child process per test. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'ava';

const BIN = new URL('../../bin/turnq.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
}

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
