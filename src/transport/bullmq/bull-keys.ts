/**
 * The BullMQ keys of a queue that turnq's own Lua scripts touch (BullMQ 6 layout, default prefix
 * `bull`): `bull:<queue>:wait` (LIST, consumed from the right), `:active` (LIST, newest fetched on the
 * left), `:stalled` (SET), `:prioritized` (ZSET), `:marker` (ZSET that wakes blocked workers), `:meta`
 * (HASH, only read: fields `paused` and `concurrency`), `:failed` (ZSET by finish time) and `:events`
 * (STREAM of BullMQ's events), and per job `bull:<queue>:<id>` (HASH; field `stc` counts redeliveries)
 * and `bull:<queue>:<id>:lock` (STRING, the holder's token).
 */
import { BULL_PREFIX } from '../../state/redis-keys.js';

export interface BullQueueKeys {
  readonly active: string;
  readonly wait: string;
  readonly stalled: string;
  readonly prioritized: string;
  readonly marker: string;
  readonly meta: string;
  readonly failed: string;
  readonly events: string;
  /** `bull:<queue>:`, to which a job id is appended. */
  readonly jobPrefix: string;
}

export function bullKeys(queue: string): BullQueueKeys {
  const base = `${BULL_PREFIX}:${queue}:`;
  return {
    active: `${base}active`,
    wait: `${base}wait`,
    stalled: `${base}stalled`,
    prioritized: `${base}prioritized`,
    marker: `${base}marker`,
    meta: `${base}meta`,
    failed: `${base}failed`,
    events: `${base}events`,
    jobPrefix: base,
  };
}
