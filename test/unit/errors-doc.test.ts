/** docs/errors.md lists exactly the codes of src/errors/error-codes.ts, with the same kind. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ERROR_CODES } from '../../src/errors/error-codes.js';
import { TurnqError } from '../../src/errors/turnq-error.js';

function documented(): Map<string, string> {
  const rows = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').split('\n');
  const codes = new Map<string, string>();
  for (const row of rows) {
    const match = /^\| `([A-Z_]+)` \| (terminal|retryable) \|/.exec(row);
    if (match !== null) codes.set(match[1] as string, match[2] as string);
  }
  return codes;
}

test('every code in the registry is documented with its kind, and nothing else is', (t) => {
  const docs = documented();
  const registry = new Map(Object.entries(ERROR_CODES).map(([code, info]) => [code, info.retryable ? 'retryable' : 'terminal']));
  t.deepEqual([...docs.keys()].sort(), [...registry.keys()].sort());
  for (const [code, kind] of registry) t.is(docs.get(code), kind, code);
});

test('a TurnqError takes its default message and kind from the registry', (t) => {
  const error = new TurnqError('ACTOR_STACK_DEPTH');
  t.is(error.message, 'maximum stack depth exceeded');
  t.false(error.retryable);
  t.true(new TurnqError('DEADLINE_EXCEEDED').retryable);
});

test('an error survives the trip through a reply', (t) => {
  const error = new TurnqError('ACTOR_OVERLOADED', { actor: 'Counter/1', details: { waiting: 3 } });
  const back = TurnqError.fromWire(JSON.parse(JSON.stringify(error.toWire())) as ReturnType<TurnqError['toWire']>);
  t.is(back.code, 'ACTOR_OVERLOADED');
  t.true(back.retryable);
  t.is(back.actor, 'Counter/1');
  t.deepEqual(back.details, { waiting: 3 });
  t.regex(back.remoteStack ?? '', /ACTOR_OVERLOADED|actor mailbox is full/);
});
