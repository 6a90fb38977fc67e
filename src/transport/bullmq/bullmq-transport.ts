/**
 * The BullMQ transport (`redis://…`): every queue of the transport contract is a BullMQ queue named as
 * in src/protocol/sharding.ts (`<ns>.shard.<Type>.<n>`, `<ns>.lane.<worker>`, `<ns>.dead-letter`), with
 * BullMQ's default key prefix `bull`, job data in the envelope of job-envelope.ts. Around them:
 *
 * - shard ownership: one worker at a time per shard queue, by lease and fencing epoch (shard-owner.ts);
 * - the priority lane: a queue per worker consumed by its own BullMQ worker with no window;
 * - replies: a Redis list per client (reply-list.ts); a state store on the same Redis pushes the reply of a
 *   turn inside its save script (replyAsPush);
 * - control messages (cancellations): Redis pub/sub on `<ns>.control`;
 * - registry: `<ns>:types` (SET of hosted actor types: publishing to another type fails at once with
 *   ACTOR_TYPE_UNKNOWN) and `<ns>:lanes` (ZSET of live lanes scored by expiry: publishing to a lane that
 *   is gone fails with PUBLISH_UNROUTABLE).
 *
 * Connections: one for commands and scripts, one shared by the BullMQ workers (plus one blocking
 * connection per BullMQ worker, made by BullMQ), one per reply list, one subscriber per consumer.
 */
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { TurnqError } from '../../errors/turnq-error.js';
import { decodeControl, encodeInvocation, type WireMessage } from '../../protocol/codec.js';
import { actorKey, type ControlMessage, type Invocation, type Reply } from '../../protocol/invocation.js';
import { names } from '../../protocol/sharding.js';
import { closeRedis, openRedis } from '../../state/redis-connection.js';
import { BULL_PREFIX, redisKeys } from '../../state/redis-keys.js';
import type { ListPush } from '../../state/state-store.js';
import type { TransportSettings } from '../create-transport.js';
import { transportLogger } from '../transport-logger.js';
import type { ConsumeSpec, PublishRoute, ReplyEndpoint, Subscription, Transport } from '../transport.js';
import { JOB_OPTIONS, toEnvelope } from './job-envelope.js';
import { QueueConsumer, type ConsumerContext } from './queue-consumer.js';
import { openReplyList, pushReply, replyListPush } from './reply-list.js';
import { ShardOwner } from './shard-owner.js';

/** The broker did not take what was sent: retryable. */
function publishFailed(what: string, error: unknown): TurnqError {
  return new TurnqError('PUBLISH_FAILED', { message: `${what} failed: ${String(error)}`, cause: error });
}

/** A lane is announced with this expiry and refreshed every third of it. */
export const LANE_TTL_MS = 15_000;
/** How long a publisher trusts a lane it saw alive. */
const LANE_CACHE_MS = 1000;

export class BullmqTransport implements Transport {
  readonly kind = 'redis';
  readonly namespace: string;
  readonly #url: string;
  readonly #maxBytes: number;
  readonly #redis: Redis;
  readonly #workerRedis: Redis;
  readonly #logger: Logger;
  readonly #queues = new Map<string, Queue>();
  readonly #knownTypes = new Set<string>();
  readonly #knownLanes = new Map<string, number>();
  readonly #subscriptions = new Set<Subscription>();
  #closed = false;

  constructor(url: string, settings: TransportSettings, redis: Redis, workerRedis: Redis) {
    this.#url = url;
    this.namespace = settings.namespace;
    this.#maxBytes = settings.maxMessageBytes;
    this.#redis = redis;
    this.#workerRedis = workerRedis;
    this.#logger = transportLogger(settings, 'bullmq-transport');
  }

  #checkOpen(): void {
    if (this.#closed) throw new TurnqError('TRANSPORT_CLOSED');
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.#redis, prefix: BULL_PREFIX, skipVersionCheck: true });
      queue.on('error', (error) => {
        this.#logger.warn({ err: error, queue: name }, 'BullMQ queue error');
      });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async #add(name: string, message: WireMessage, jobName: string): Promise<void> {
    try {
      await this.#queue(name).add(jobName, toEnvelope(message), JOB_OPTIONS);
    } catch (error) {
      throw publishFailed(`adding a job to ${name}`, error);
    }
  }

  async #checkType(type: string, actor: string): Promise<void> {
    if (this.#knownTypes.has(type)) return;
    let hosted: number;
    try {
      hosted = await this.#redis.sismember(redisKeys.types(this.namespace), type);
    } catch (error) {
      throw publishFailed(`reading the actor type registry`, error);
    }
    if (hosted !== 1) throw new TurnqError('ACTOR_TYPE_UNKNOWN', { message: `no worker hosts actor type ${type}`, actor });
    this.#knownTypes.add(type);
  }

  async #checkLane(worker: string): Promise<void> {
    const now = Date.now();
    if ((this.#knownLanes.get(worker) ?? 0) > now) return;
    let expiry: string | null;
    try {
      expiry = await this.#redis.zscore(redisKeys.lanes(this.namespace), worker);
    } catch (error) {
      throw publishFailed(`reading the lane registry`, error);
    }
    if (expiry === null || Number(expiry) < now)
      throw new TurnqError('PUBLISH_UNROUTABLE', { message: `priority lane of worker ${worker} is gone` });
    this.#knownLanes.set(worker, now + LANE_CACHE_MS);
  }

  async publish(invocation: Invocation, route: PublishRoute): Promise<void> {
    this.#checkOpen();
    if (route.lane === 'shard') await this.#checkType(invocation.actorType, actorKey(invocation.actorType, invocation.actorId));
    else await this.#checkLane(route.worker);
    const queue =
      route.lane === 'shard' ? names.shard(this.namespace, invocation.actorType, route.shard) : names.lane(this.namespace, route.worker);
    await this.#add(queue, encodeInvocation(invocation), invocation.method);
  }

  publishRaw(queue: string, message: WireMessage): Promise<void> {
    this.#checkOpen();
    return this.#add(queue, message, 'raw');
  }

  openReplies(clientId: string, onReply: (reply: Reply) => void): Promise<ReplyEndpoint> {
    this.#checkOpen();
    return openReplyList(this.#url, names.reply(this.namespace, clientId), this.#logger, onReply).catch((error: unknown) => {
      throw new TurnqError('TRANSPORT_UNAVAILABLE', { message: `opening the reply list failed: ${String(error)}`, cause: error });
    });
  }

  async sendReply(address: string, reply: Reply): Promise<void> {
    try {
      await pushReply(this.#redis, address, reply);
    } catch (error) {
      throw publishFailed(`sending a reply to ${address}`, error);
    }
  }

  /** A reply list lives on this transport's Redis: a store on the same URL can push the reply with its save. */
  replyAsPush(address: string, reply: Reply): ListPush {
    return replyListPush(this.#url, address, reply);
  }

  async broadcast(message: ControlMessage): Promise<void> {
    this.#checkOpen();
    try {
      await this.#redis.publish(names.control(this.namespace), JSON.stringify(message));
    } catch (error) {
      throw publishFailed(`broadcast`, error);
    }
  }

  #deadLetter(queue: string, data: unknown, error: TurnqError): Promise<unknown> {
    return this.#queue(names.deadLetter(this.namespace)).add(
      'dead-letter',
      { queue, data, code: error.code, reason: error.message, at: Date.now() },
      { removeOnComplete: true },
    );
  }

  async consume(spec: ConsumeSpec): Promise<Subscription> {
    this.#checkOpen();
    const ns = this.namespace;
    const context: ConsumerContext = {
      redis: this.#redis,
      workerRedis: this.#workerRedis,
      maxBytes: this.#maxBytes,
      logger: this.#logger.child({ worker: spec.workerId }),
      deadLetter: async (queue, data, error) => {
        await this.#deadLetter(queue, data, error);
      },
      sendReply: (address, reply) => this.sendReply(address, reply),
    };
    const laneQueue = names.lane(ns, spec.workerId);
    const announceLane = (): Promise<number> => this.#redis.zadd(redisKeys.lanes(ns), Date.now() + LANE_TTL_MS, spec.workerId);
    const types = spec.types.map((t) => t.type);
    if (types.length > 0) await this.#redis.sadd(redisKeys.types(ns), ...types);
    // What is set up is undone in reverse order: by close(), or at once when a later step fails.
    const teardown: (() => Promise<unknown>)[] = [];
    const undo = async (): Promise<void> => {
      for (const step of teardown.reverse()) {
        try {
          await step();
        } catch (error) {
          context.logger.warn({ err: error }, 'closing a consumer step failed');
        }
      }
    };
    try {
      await announceLane();
      teardown.push(async () => {
        await this.#redis.zrem(redisKeys.lanes(ns), spec.workerId);
        await this.#queue(laneQueue).obliterate({ force: true });
      });
      const lane = new QueueConsumer(context, spec, laneQueue, 'priority', Number.POSITIVE_INFINITY, undefined);
      teardown.push(() => lane.close(false));
      await lane.start();
      const laneTimer = setInterval(() => {
        announceLane().catch((error: unknown) => {
          context.logger.warn({ err: error }, 'announcing the priority lane failed');
        });
      }, LANE_TTL_MS / 3).unref();
      teardown.push(() => {
        clearInterval(laneTimer);
        return Promise.resolve();
      });

      const subscriber = await openRedis(this.#url, 'subscriber', context.logger);
      teardown.push(() => closeRedis(subscriber));
      const channel = names.control(ns);
      subscriber.on('message', (from: string, text: string) => {
        if (from !== channel) return;
        try {
          spec.onControl(decodeControl(text));
        } catch (error) {
          context.logger.warn({ err: error }, 'undecodable control message dropped');
        }
      });
      await subscriber.subscribe(channel);

      const owners = spec.types.flatMap(({ type, shards }) =>
        Array.from({ length: shards }, (_, shard) => new ShardOwner(context, spec, ns, names.shard(ns, type, shard))),
      );
      teardown.push(() => Promise.all(owners.map((owner) => owner.close())));
      await Promise.all(owners.map((owner) => owner.start()));
    } catch (error) {
      await undo();
      throw error;
    }

    let closing: Promise<void> | undefined;
    const subscription: Subscription = {
      close: () => {
        closing ??= (async () => {
          this.#subscriptions.delete(subscription);
          await undo();
        })();
        return closing;
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    await closeRedis(this.#redis);
    await closeRedis(this.#workerRedis);
  }
}

/** Connects to Redis at `url` (`redis://host:port/db`). */
export async function createBullmqTransport(url: string, settings: TransportSettings): Promise<Transport> {
  let redis: Redis | undefined;
  try {
    redis = await openRedis(url, 'command');
    const workerRedis = await openRedis(url, 'blocking');
    return new BullmqTransport(url, settings, redis, workerRedis);
  } catch (error) {
    if (redis !== undefined) await closeRedis(redis);
    throw new TurnqError('TRANSPORT_UNAVAILABLE', { message: `transport ${url}: cannot reach Redis: ${String(error)}`, cause: error });
  }
}
