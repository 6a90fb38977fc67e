import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { envName } from '../../src/config/config-schema.js';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig, resolveConfig, settingsFor } from '../../src/config/load-config.js';
import { TurnqError } from '../../src/errors/turnq-error.js';

const resolve = (raw: unknown) => resolveConfig([{ raw, where: '' }], process.cwd());

test('durations follow Dapr: 1h30m, 45s, 500ms, 0.5s, bare milliseconds', (t) => {
  t.is(parseDuration('1h30m', 'k'), 5_400_000);
  t.is(parseDuration('45s', 'k'), 45_000);
  t.is(parseDuration('500ms', 'k'), 500);
  t.is(parseDuration('0.5s', 'k'), 500);
  t.is(parseDuration('250', 'k'), 250);
  t.is(parseDuration(1000, 'k'), 1000);
  for (const bad of ['1x', 'h', '', '10 minutes', -5, '1h 30m']) {
    const error = t.throws(() => parseDuration(bad, 'actorIdleTimeout'), { instanceOf: TurnqError });
    t.is(error.code, 'CONFIG_INVALID');
    t.regex(error.message, /actorIdleTimeout/);
  }
});

test('defaults are Dapr-like and file values replace them', (t) => {
  const config = resolve({ actorIdleTimeout: '10m', reentrancy: { enabled: true } });
  t.is(config.actorIdleTimeout, 600_000);
  t.true(config.reentrancy.enabled);
  t.is(config.reentrancy.maxStackDepth, 32);
  t.is(config.actorScanInterval, 30_000);
  t.is(config.drainOngoingCallTimeout, 60_000);
  t.true(config.drainRebalancedActors);
});

test('entitiesConfig merges field by field, also inside reentrancy', (t) => {
  const config = resolve({
    reentrancy: { enabled: true, maxStackDepth: 10 },
    entitiesConfig: [
      { entities: ['A'], reentrancy: { enabled: false } },
      { entities: ['B', 'C'], actorIdleTimeout: '5m', reentrancy: { maxStackDepth: 3 } },
    ],
  });
  t.deepEqual(settingsFor(config, 'A').reentrancy, { enabled: false, maxStackDepth: 10 });
  t.deepEqual(settingsFor(config, 'B').reentrancy, { enabled: true, maxStackDepth: 3 });
  t.is(settingsFor(config, 'C').actorIdleTimeout, 300_000);
  t.is(settingsFor(config, 'D').actorIdleTimeout, 3_600_000);
});

test('validation names the bad key and value', (t) => {
  const cases: [unknown, RegExp][] = [
    [{ actorIdleTimout: '1h' }, /actorIdleTimout: unknown key/],
    [{ reentrancy: { maxStackDepth: 0 } }, /reentrancy\.maxStackDepth: 0/],
    [{ reentrancy: { enabled: 'yes' } }, /reentrancy\.enabled: "yes"/],
    [{ entitiesConfig: [{ entities: ['A'], shards: 'many' }] }, /entitiesConfig\[0\]\.shards: "many"/],
    [{ entitiesConfig: [{ entities: ['A'], transport: 'x' }] }, /entitiesConfig\[0\]\.transport: unknown key/],
    [{ mailbox: { softLimit: 10, hardLimit: 5 } }, /mailbox\.softLimit: 10/],
    [{ logLevel: 'loud' }, /logLevel: "loud"/],
  ];
  for (const [raw, message] of cases) {
    const error = t.throws(() => resolve(raw), { instanceOf: TurnqError });
    t.is(error.code, 'CONFIG_INVALID');
    t.regex(error.message, message);
  }
});

test('environment variables override the file, flags override both', async (t) => {
  t.is(envName('reentrancy.maxStackDepth'), 'TURNQ_REENTRANCY_MAX_STACK_DEPTH');
  const dir = mkdtempSync(path.join(tmpdir(), 'turnq-config-'));
  const file = path.join(dir, 'worker.yaml');
  writeFileSync(file, 'actorIdleTimeout: 1h\nreentrancy:\n  enabled: false\n  maxStackDepth: 7\nmodules: [./a.ts]\n');
  const config = await loadConfig({
    file,
    env: { TURNQ_REENTRANCY_ENABLED: 'true', TURNQ_ACTOR_IDLE_TIMEOUT: '2m', TURNQ_ENTITIES: 'A, B' },
    overrides: { actorIdleTimeout: '3m' },
  });
  t.true(config.reentrancy.enabled);
  t.is(config.reentrancy.maxStackDepth, 7);
  t.is(config.actorIdleTimeout, 180_000);
  t.deepEqual(config.entities, ['A', 'B']);
  t.is(config.baseDir, dir);
  const bad = await t.throwsAsync(loadConfig({ file, env: { TURNQ_SHARDS: 'zero' } }), { instanceOf: TurnqError });
  t.regex(bad.message, /shards: "zero"/);
});

test('the shipped config files are valid', async (t) => {
  for (const file of [
    'config/default.yaml',
    'config/examples/rabbitmq.yaml',
    'config/examples/redis.yaml',
    'config/examples/per-type.yaml',
  ]) {
    const config = await loadConfig({ file });
    t.true(config.modules.length > 0, file);
  }
  const perType = await loadConfig({ file: 'config/examples/per-type.yaml' });
  t.deepEqual(settingsFor(perType, 'TaskWorker').reentrancy, { enabled: false, maxStackDepth: 32 });
  t.deepEqual(settingsFor(perType, 'Coordinator').reentrancy, { enabled: true, maxStackDepth: 8 });
});
