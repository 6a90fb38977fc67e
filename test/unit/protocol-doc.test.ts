/**
 * docs/protocol.md documents the wire contract: every header of src/protocol/headers.ts, and every Lua
 * script turnq runs on Redis, in the table of scripts with the file that defines it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { HEADER } from '../../src/protocol/headers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const protocol = readFileSync(join(root, 'docs/protocol.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('every header is documented', (t) => {
  for (const name of Object.values(HEADER)) t.true(protocol.includes(`\`${name}\``), name);
});

test('every Lua script has a row in the table of scripts, naming its file', (t) => {
  const scripts: [string, string][] = [];
  for (const file of sources(join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/luaScript\(\s*'([a-z-]+)'/g)) {
      scripts.push([match[1] as string, relative(root, file)]);
    }
  }
  t.true(scripts.length >= 8, `scripts found: ${scripts.length}`);
  const rows = new Map<string, string>();
  let file = '';
  for (const row of protocol.split('\n')) {
    const match = /^\| `(turnq-[a-z-]+)` \| ([^|]+) \|/.exec(row);
    if (match === null) continue;
    const where = (match[2] as string).trim();
    if (where !== 'same') file = where;
    rows.set(match[1] as string, file);
  }
  for (const [name, path] of scripts) t.is(rows.get(name), path, name);
});
