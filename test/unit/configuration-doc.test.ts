/** docs/configuration.md documents every configuration key with its environment variable and default. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { DEFAULT_CONFIG, envName, FIELD_KINDS } from '../../src/config/config-schema.js';
import { formatDuration } from '../../src/config/duration.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

function defaultOf(key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], DEFAULT_CONFIG);
}

test('every key has a row with its env variable and default', (t) => {
  for (const key of Object.keys(FIELD_KINDS)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
    t.truthy(row, `no row for ${key}`);
    t.true(row?.includes(`\`${envName(key)}\``), `${key}: env name`);
    const value = defaultOf(key);
    const shown =
      FIELD_KINDS[key] === 'duration'
        ? formatDuration(value as number)
        : Array.isArray(value)
          ? '[]'
          : value === ''
            ? '*(empty)*'
            : String(value);
    t.true(row?.includes(shown === '*(empty)*' ? shown : `\`${shown}\``), `${key}: default ${shown}`);
  }
});
