/**
 * Every Redis key turnq writes outside BullMQ's own `bull:<queue>:*` keys, all under the namespace
 * (docs/protocol.md lists them with their types):
 *
 * - `<ns>:state:<Type>/<id>`    HASH    `json`: the actor's state as JSON; `write`: id of the last write
 * - `<ns>:handled:<Type>/<id>`  LIST    handled messages, oldest first, JSON `{"id":…,"reply":…|null}`,
 *                                       trimmed to HANDLED_RECORD_LIMIT entries
 * - `<ns>:fence:<scope>`        STRING  newest fencing epoch of a scope (a shard queue name): INCR by the
 *                                       BullMQ shard lease on acquire, raised by state writes
 * - `<ns>:lease:<queue>`        STRING  `<workerId>:<epoch>` of the shard's owner, with a TTL
 * - `<ns>:types`                SET     actor types some worker has hosted (publish checks it)
 * - `<ns>:lanes`                ZSET    priority lanes of live workers, scored by expiry (ms)
 * - `<ns>.reply.<client>`       LIST    replies for a client (the reply address is the key name)
 * - `<ns>.control`              pub/sub channel of control messages
 */
export const redisKeys = {
  state: (ns: string, actorKey: string) => `${ns}:state:${actorKey}`,
  handled: (ns: string, actorKey: string) => `${ns}:handled:${actorKey}`,
  fence: (ns: string, scope: string) => `${ns}:fence:${scope}`,
  lease: (ns: string, queue: string) => `${ns}:lease:${queue}`,
  types: (ns: string) => `${ns}:types`,
  lanes: (ns: string) => `${ns}:lanes`,
};

/** The prefix BullMQ puts before queue names (its default, so that plain BullMQ programs need no option). */
export const BULL_PREFIX = 'bull';
