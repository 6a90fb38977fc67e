/**
 * Jobs that BullMQ moved to `active` under a consumer's lock but could not read. BullMQ's fetch runs its
 * script first, then parses the job's hash in JavaScript: `data`, `opts`, `progress` and `parent` are JSON
 * text, and when one of them is not (a hash written by hand: no BullMQ client writes such a thing) the
 * fetch throws, after the job has moved. Nobody holds it then: without this, it would stay in `active`.
 *
 * Found after a fetch failed: every job of `bull:<queue>:active` that the consumer does not hold and
 * whose `bull:<queue>:<id>:lock` is its token, and whose hash does not parse as BullMQ parses it (a job
 * being acked is still locked, but it parses, so it is left alone).
 */
import type { Redis } from 'ioredis';
import { bullKeys } from './bull-keys.js';

/** The hash fields BullMQ reads as JSON text when it hands out a job (absent fields have defaults). */
const JSON_FIELDS = ['data', 'opts', 'progress', 'parent'] as const;

export interface UnreadableJob {
  readonly id: string;
  /** The job's hash as stored. */
  readonly hash: Record<string, string>;
  /** Why BullMQ could not read it: the field and the parse error. */
  readonly reason: string;
}

/** The first field of `hash` that BullMQ would fail to parse, with the error; undefined when it reads. */
export function unreadableField(hash: Record<string, string>): string | undefined {
  for (const field of JSON_FIELDS) {
    const text = hash[field];
    if (text === undefined || text === '') continue;
    try {
      JSON.parse(text);
    } catch (error) {
      return `field ${field} is not JSON (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return undefined;
}

/** The jobs of `queue` locked with `token`, not `held`, that BullMQ cannot read. */
export async function findUnreadable(redis: Redis, queue: string, token: string, held: (id: string) => boolean): Promise<UnreadableJob[]> {
  const keys = bullKeys(queue);
  const candidates = (await redis.lrange(keys.active, 0, -1)).filter((id) => !held(id));
  if (candidates.length === 0) return [];
  const locks = await redis.mget(...candidates.map((id) => `${keys.jobPrefix}${id}:lock`));
  const found: UnreadableJob[] = [];
  for (const [i, id] of candidates.entries()) {
    if (locks[i] !== token) continue;
    const hash = await redis.hgetall(`${keys.jobPrefix}${id}`);
    const reason = unreadableField(hash);
    if (reason !== undefined) found.push({ id, hash, reason });
  }
  return found;
}
