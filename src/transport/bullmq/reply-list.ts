/**
 * RPC replies over a Redis list per client (`<ns>.reply.<client>`, the reply address itself): a worker
 * LPUSHes the reply envelope `{"headers":{…},"body":"<JSON text>"}` and sets a TTL of REPLY_TTL_MS on the
 * list (so that replies to a client that is gone expire); the client pops them (BLMPOP … RIGHT COUNT 128: oldest first, many per round trip) on a
 * connection of its own.
 * A turn that saves its state to the same Redis hands its reply to the store instead (replyListPush), which
 * pushes it the same way inside its save script.
 * Chosen over BullMQ's QueueEvents, which is slower and trims its stream (docs/protocol.md has
 * the measurements).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeReply, encodeReply } from '../../protocol/codec.js';
import type { Reply } from '../../protocol/invocation.js';
import { luaScript, openRedis, runScript } from '../../state/redis-connection.js';
import type { ListPush } from '../../state/state-store.js';
import type { ReplyEndpoint } from '../transport.js';
import { fromEnvelope, toEnvelope } from './job-envelope.js';

export const REPLY_TTL_MS = 5 * 60_000;
/** Replies taken per BLMPOP. */
export const REPLY_BATCH = 128;

/**
 * KEYS[1] reply list; ARGV[1] reply envelope (JSON text), ARGV[2] TTL of the list (ms). Returns the
 * list's length. One script instead of MULTI/LPUSH/PEXPIRE/EXEC: one command on the wire.
 */
export const PUSH_REPLY_SCRIPT = luaScript(
  'turnq-push-reply',
  `local n = redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`,
);

/** The reply envelope as pushed on a reply list (JSON text). */
function replyText(reply: Reply): string {
  return JSON.stringify(toEnvelope(encodeReply(reply)));
}

export async function pushReply(redis: Redis, address: string, reply: Reply): Promise<void> {
  await runScript(redis, PUSH_REPLY_SCRIPT, [address], [replyText(reply), REPLY_TTL_MS]);
}

/**
 * The same push (LPUSH of the envelope on the list, then PEXPIRE REPLY_TTL_MS) described for a state
 * store on `server` to make with its save (StateWrite.push).
 */
export function replyListPush(server: string, address: string, reply: Reply): ListPush {
  return { server, key: address, value: replyText(reply), ttlMs: REPLY_TTL_MS };
}

/** Opens a reply list consumer on its own connection; replies go to `onReply`. */
export async function openReplyList(url: string, address: string, logger: Logger, onReply: (reply: Reply) => void): Promise<ReplyEndpoint> {
  const redis = await openRedis(url, 'blocking');
  let closed = false;
  const loop = async (): Promise<void> => {
    while (!closed) {
      let popped: [string, string[]] | null;
      try {
        // Oldest first (LPUSH by the workers, pop from the right), up to REPLY_BATCH in one round trip.
        popped = await redis.blmpop(0, 1, address, 'RIGHT', 'COUNT', REPLY_BATCH);
      } catch (error) {
        if (closed) return;
        logger.warn({ err: error, address }, 'waiting for replies failed; retrying');
        await sleep(100);
        continue;
      }
      if (popped === null) continue;
      for (const text of popped[1]) {
        try {
          onReply(decodeReply(fromEnvelope(JSON.parse(text))));
        } catch (error) {
          logger.warn({ err: error, address }, 'undecodable reply dropped');
        }
      }
    }
  };
  const running = loop();
  return {
    address,
    close: async () => {
      if (closed) return;
      closed = true;
      redis.disconnect();
      await running;
    },
  };
}
