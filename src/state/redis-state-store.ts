/**
 * The Redis state store: an actor's state, the ids of the messages that produced it and the replies
 * they sent, written together by one Lua script (SAVE_SCRIPT), so a redelivered or retried message is
 * recognised after a crash and nothing is ever half written.
 *
 * Keys (src/state/redis-keys.ts): `<ns>:state:<actor>` (HASH: `json` the state, `write` the id of the
 * last write), `<ns>:handled:<actor>` (LIST of
 * `{"id","reply"}` JSON, oldest first, trimmed to the newest HANDLED_RECORD_LIMIT = 32 entries) and
 * `<ns>:fence:<scope>` (newest epoch of a fencing scope).
 *
 * Fencing: a write carrying `fence = {scope, epoch}` is refused with STATE_FENCED when `<ns>:fence:<scope>`
 * holds a newer epoch; otherwise the key is raised to the write's epoch. The BullMQ transport INCRs the
 * same key when a worker acquires a shard, so a stale owner is refused as soon as a new owner exists.
 *
 * After-write push (StateWrite.push): the same script LPUSHes an opaque value (the transport's reply,
 * already encoded) onto a list of the same Redis and sets its TTL, only once the write is applied, so a
 * turn's save and its reply are one round trip; a refused save pushes nothing. (A save applied whose
 * answer was lost has pushed its reply although the caller of `save` sees a failure: docs/protocol.md.)
 *
 * Stale loads: a load gives the id of the write it read as `version` ('none' before any write), a save
 * returns the id of its own write, and a save passing that `basedOn` is refused with STATE_FENCED when
 * another writer saved the actor in between (a worker that lost a shard and got it back must not write
 * from what it had in memory).
 *
 * Errors: a lost connection or a restarting Redis is retried for up to STORE_RETRY_MS (writes are
 * idempotent by write id, so a retried save whose first answer was lost is not applied twice); after that
 * the call fails with STATE_STORE_FAILED (retryable). The connection reconnects by itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { TurnqError } from '../errors/turnq-error.js';
import { randomId } from '../protocol/ids.js';
import type { Reply } from '../protocol/invocation.js';
import { closeRedis, luaScript, openRedis, runScript } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';
import {
  HANDLED_RECORD_LIMIT,
  type HandledMessage,
  type ListPush,
  type LoadedState,
  type StateStore,
  type StateWrite,
} from './state-store.js';

/**
 * KEYS[1] state key (HASH: `json`, `write`), KEYS[2] handled key, KEYS[3] fence key (ignored when ARGV[3] is ''),
 * KEYS[4] (optional) a list to push ARGV[6] onto once the write is applied (StateWrite.push)
 * ARGV[1] state JSON, ARGV[2] handled record limit, ARGV[3] fencing epoch or '', ARGV[4] write id,
 * ARGV[5] expected id of the current write ('' no check, 'none' the actor must have no state yet),
 * ARGV[6] value to LPUSH on KEYS[4] and ARGV[7] the TTL (ms) PEXPIRE then sets on it (both '' without
 * KEYS[4]), ARGV[8..] handled entries (JSON), oldest first
 * Returns {0, newest epoch} when written (and pushed); {1, 0} when this write id was already applied (a
 * retry after a lost answer: nothing done again, the push included); {-1, newest epoch} when fenced;
 * {-2, 0} when the state changed since the writer loaded it (another writer came in between). Nothing
 * is written or pushed in the last two cases.
 */
export const SAVE_SCRIPT = luaScript(
  'turnq-save-state',
  `local newest = 0
local current = redis.call('HGET', KEYS[1], 'write')
if current == ARGV[4] then return {1, 0} end
if ARGV[5] ~= '' and (current or 'none') ~= ARGV[5] then return {-2, 0} end
if ARGV[3] ~= '' then
  local epoch = tonumber(ARGV[3])
  newest = tonumber(redis.call('GET', KEYS[3]) or '0')
  if epoch < newest then return {-1, newest} end
  if epoch > newest then
    redis.call('SET', KEYS[3], ARGV[3])
    newest = epoch
  end
end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'write', ARGV[4])
if #ARGV > 7 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 8))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
end
if #KEYS > 3 then
  redis.call('LPUSH', KEYS[4], ARGV[6])
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
end
return {0, newest}`,
);

/** How long a load or save keeps retrying while Redis is unreachable before failing STATE_STORE_FAILED. */
export const STORE_RETRY_MS = 10_000;

/** Connection-level failures (worth retrying), as opposed to errors Redis answered with. */
function transient(error: unknown): boolean {
  return error instanceof Error && error.name !== 'ReplyError';
}

/**
 * Runs an idempotent Redis operation, retrying transient failures for up to STORE_RETRY_MS: a save
 * whose answer was lost with the connection is sent again and recognised by its write id, so a turn's
 * outcome is known for sure once Redis is back.
 */
async function retrying<T>(operation: () => Promise<T>): Promise<T> {
  const giveUp = Date.now() + STORE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!transient(error) || Date.now() >= giveUp) throw error;
      await sleep(Math.min(100 * attempt, 500));
    }
  }
}

interface StoredHandled {
  id: string;
  reply: Reply | null;
}

function storeFailed(actorKey: string, error: unknown): TurnqError {
  if (error instanceof TurnqError) return error;
  return new TurnqError('STATE_STORE_FAILED', {
    actor: actorKey,
    message: `state store: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

export class RedisStateStore implements StateStore {
  readonly kind = 'redis';
  readonly namespace: string;
  readonly #redis: Redis;
  /** The URL this store connected to: the server a StateWrite.push must name. */
  readonly #url: string;
  #closed = false;

  constructor(redis: Redis, namespace: string, url: string) {
    this.#redis = redis;
    this.namespace = namespace;
    this.#url = url;
  }

  /** A push to a list on the very server (and database) this store writes to. */
  canPush(push: ListPush): boolean {
    return push.server === this.#url;
  }

  async load(actorKey: string): Promise<LoadedState> {
    try {
      const results = await retrying(() =>
        this.#redis
          .multi()
          .hmget(redisKeys.state(this.namespace, actorKey), 'json', 'write')
          .lrange(redisKeys.handled(this.namespace, actorKey), 0, -1)
          .exec(),
      );
      if (results === null) throw new Error('transaction aborted');
      const [stateResult, handledResult] = results;
      if (stateResult?.[0] != null) throw stateResult[0];
      if (handledResult?.[0] != null) throw handledResult[0];
      const [json, write] = (stateResult?.[1] ?? []) as (string | null)[];
      const entries = (handledResult?.[1] ?? []) as string[];
      const handled: HandledMessage[] = entries.map((text) => {
        const entry = JSON.parse(text) as StoredHandled;
        return { messageId: entry.id, reply: entry.reply };
      });
      return { json: typeof json === 'string' ? json : undefined, handled, version: write ?? 'none' };
    } catch (error) {
      throw storeFailed(actorKey, error);
    }
  }

  async save(actorKey: string, write: StateWrite): Promise<string> {
    const ns = this.namespace;
    const fence = write.fence;
    const entries = write.handled
      .slice(-HANDLED_RECORD_LIMIT)
      .map((h) => JSON.stringify({ id: h.messageId, reply: h.reply } satisfies StoredHandled));
    const writeId = randomId();
    const keys = [redisKeys.state(ns, actorKey), redisKeys.handled(ns, actorKey), redisKeys.fence(ns, fence?.scope ?? '-')];
    const push = write.push;
    if (push !== undefined) {
      if (!this.canPush(push))
        throw new TurnqError('STATE_STORE_FAILED', { actor: actorKey, message: `state store cannot push to ${push.server}` });
      keys.push(push.key);
    }
    let result: unknown;
    try {
      const expected = write.basedOn ?? '';
      const args = [write.json, HANDLED_RECORD_LIMIT, fence === undefined ? '' : fence.epoch, writeId, expected];
      result = await retrying(() => runScript(this.#redis, SAVE_SCRIPT, keys, [...args, push?.value ?? '', push?.ttlMs ?? '', ...entries]));
    } catch (error) {
      throw storeFailed(actorKey, error);
    }
    const [code, newest] = result as [number, number];
    if (code === -1) {
      throw new TurnqError('STATE_FENCED', {
        actor: actorKey,
        message: `state of ${actorKey} not written: epoch ${String(fence?.epoch)} of ${String(fence?.scope)} is older than ${newest}`,
        details: { scope: fence?.scope, epoch: fence?.epoch, newest },
      });
    }
    if (code === -2) {
      throw new TurnqError('STATE_FENCED', {
        actor: actorKey,
        message: `state of ${actorKey} not written: another writer saved it since this worker loaded it`,
        details: { reason: 'stale-load' },
      });
    }
    return writeId;
  }

  /** The stored state of an actor, parsed (tests and tools). */
  async peek(actorKey: string): Promise<unknown> {
    const json = await this.#redis.hget(redisKeys.state(this.namespace, actorKey), 'json');
    return json === null ? undefined : JSON.parse(json);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#redis);
  }
}

/** Connects to Redis at `url`; keys go under `namespace`. */
export function createRedisStateStore(url: string, namespace: string): Promise<StateStore> {
  return openRedisStateStore(url, namespace);
}

/** The same, typed as the class (tests and tools use `peek`). */
export async function openRedisStateStore(url: string, namespace: string): Promise<RedisStateStore> {
  let redis: Redis;
  try {
    redis = await openRedis(url, 'command');
  } catch (error) {
    throw new TurnqError('STATE_STORE_FAILED', { message: `state store: cannot reach Redis at ${url}: ${String(error)}`, cause: error });
  }
  return new RedisStateStore(redis, namespace, url);
}
