import test from 'ava';
import { decodeInvocation, decodeReply, encodeInvocation, encodeReply, type WireMessage } from '../../src/protocol/codec.js';
import { HEADER } from '../../src/protocol/headers.js';
import type { Invocation } from '../../src/protocol/invocation.js';
import { fnv1a32, shardOf } from '../../src/protocol/sharding.js';
import { TurnqError } from '../../src/errors/turnq-error.js';

const invocation: Invocation = {
  messageId: 'm1',
  actorType: 'A',
  actorId: '1',
  method: 'pong',
  args: [1, 'two', { three: 3 }],
  reentrancyId: '0123456789abcdef0123456789abcdef',
  stack: [
    { actor: 'A/1', method: 'run', turn: 't1', worker: 'w1' },
    { actor: 'B/1', method: 'ping', turn: 't2', worker: 'w1' },
  ],
  depth: 2,
  deadline: 1_800_000_000_000,
  replyTo: 'turnq.reply.c1',
};

test('an invocation survives encoding, with every header a string', (t) => {
  const wire = encodeInvocation(invocation);
  t.true(Object.values(wire.headers).every((v) => typeof v === 'string'));
  t.is(wire.headers[HEADER.depth], '2');
  t.deepEqual(decodeInvocation(wire), invocation);
});

function broken(change: (headers: Record<string, string>) => void, body?: string): WireMessage {
  const wire = encodeInvocation(invocation);
  const headers = { ...wire.headers };
  change(headers);
  return { headers, body: body === undefined ? wire.body : Buffer.from(body) };
}

test('invalid messages fail with a stable code and a reason', (t) => {
  const cases: [WireMessage, string, RegExp][] = [
    [broken((h) => (h[HEADER.actorType] = '')), 'MESSAGE_INVALID', /turnq-actor-type/],
    [broken((h) => (h[HEADER.depth] = '5')), 'MESSAGE_INVALID', /depth is 5 but the call stack gives 2/],
    [broken((h) => (h[HEADER.depth] = 'deep')), 'MESSAGE_INVALID', /turnq-depth/],
    [broken((h) => (h[HEADER.reentrancyId] = 'xyz')), 'MESSAGE_INVALID', /32 lowercase hex/],
    [broken((h) => (h[HEADER.callStack] = '{')), 'MESSAGE_INVALID', /not JSON/],
    [broken((h) => (h[HEADER.callStack] = '[{"actor":"A/1"}]')), 'MESSAGE_INVALID', /frame 0/],
    [broken((h) => (h[HEADER.protocol] = '9')), 'PROTOCOL_VERSION_UNSUPPORTED', /"9"/],
    [broken(() => undefined, 'not json'), 'MESSAGE_UNDECODABLE', /not JSON/],
    [broken(() => undefined, '{"argz":[]}'), 'MESSAGE_INVALID', /args/],
  ];
  for (const [message, code, reason] of cases) {
    const error = t.throws(() => decodeInvocation(message), { instanceOf: TurnqError });
    t.is(error.code, code);
    t.regex(error.message, reason);
  }
  const large = t.throws(() => decodeInvocation(encodeInvocation(invocation), 10), { instanceOf: TurnqError });
  t.is(large.code, 'MESSAGE_TOO_LARGE');
});

test('replies round-trip, ok and error', (t) => {
  t.deepEqual(decodeReply(encodeReply({ correlationId: 'm1', status: 'ok', result: { n: 1 } })), {
    correlationId: 'm1',
    status: 'ok',
    result: { n: 1 },
  });
  const error = decodeReply(encodeReply({ correlationId: 'm2', status: 'error', error: { code: 'X', message: 'boom', retryable: true } }));
  t.is(error.error?.code, 'X');
  t.true(error.error?.retryable);
});

test('the shard hash is FNV-1a over UTF-8 bytes (the vectors docs/protocol.md gives)', (t) => {
  t.is(fnv1a32(''), 0x811c9dc5);
  t.is(fnv1a32('a'), 0xe40c292c);
  t.is(fnv1a32('42'), 2279835011);
  t.is(fnv1a32('héllo'), 1252296000);
  t.is(shardOf('42', 4), 2279835011 % 4);
  t.is(shardOf('anything', 1), 0);
});
