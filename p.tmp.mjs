var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// src/errors/error-codes.ts
function isErrorCode(code) {
  return Object.hasOwn(ERROR_CODES, code);
}
var ERROR_CODES;
var init_error_codes = __esm({
  "src/errors/error-codes.ts"() {
    "use strict";
    ERROR_CODES = {
      ACTOR_STACK_DEPTH: { retryable: false, message: "maximum stack depth exceeded" },
      ACTOR_CALL_CYCLE: {
        retryable: false,
        message: "call cycle into a non-reentrant actor can never finish"
      },
      ACTOR_OVERLOADED: { retryable: true, message: "actor mailbox is full" },
      ACTOR_TYPE_UNKNOWN: { retryable: false, message: "unknown actor type" },
      ACTOR_METHOD_UNKNOWN: { retryable: false, message: "unknown actor method" },
      ACTOR_ERROR: { retryable: false, message: "actor method threw" },
      ACTOR_ACTIVATION_FAILED: { retryable: true, message: "actor activation failed" },
      DEADLINE_EXCEEDED: { retryable: true, message: "deadline exceeded" },
      CALL_CANCELLED: { retryable: false, message: "call cancelled" },
      REENTRANCY_LOCK_NOT_HELD: {
        retryable: true,
        message: "priority-lane message for an actor that its chain does not lock on this worker"
      },
      MESSAGE_UNDECODABLE: { retryable: false, message: "message could not be decoded" },
      MESSAGE_INVALID: { retryable: false, message: "message is missing or has a malformed field" },
      MESSAGE_TOO_LARGE: { retryable: false, message: "message exceeds the size limit" },
      PROTOCOL_VERSION_UNSUPPORTED: { retryable: false, message: "unsupported protocol version" },
      MESSAGE_DELIVERY_LIMIT: {
        retryable: false,
        message: "message was delivered too many times without completing"
      },
      WORKER_DRAINING: { retryable: true, message: "worker is shutting down" },
      PUBLISH_UNROUTABLE: { retryable: false, message: "no queue is bound for this message" },
      PUBLISH_FAILED: { retryable: true, message: "the broker did not accept the message" },
      TRANSPORT_UNAVAILABLE: { retryable: true, message: "connection to the broker was lost" },
      TRANSPORT_CLOSED: { retryable: false, message: "transport is closed" },
      STATE_STORE_FAILED: { retryable: true, message: "state store operation failed" },
      STATE_FENCED: {
        retryable: true,
        message: "a newer owner of the shard has written this state; this owner is stale"
      },
      SHARD_LEASE_LOST: { retryable: true, message: "this worker no longer owns the shard" },
      CONFIG_INVALID: { retryable: false, message: "invalid configuration" },
      ACTOR_DEFINITION_INVALID: { retryable: false, message: "invalid actor class" }
    };
  }
});

// src/errors/turnq-error.ts
function trimStack(stack) {
  if (stack === void 0) return void 0;
  const lines = stack.split("\n");
  const frames = lines.slice(1).filter((line) => !line.includes("node:internal") && !line.includes("/node_modules/"));
  return [lines[0], ...frames.slice(0, MAX_STACK_LINES)].join("\n");
}
function toWireError(error, actor) {
  if (error instanceof TurnqError) {
    const wire = error.toWire();
    wire.actor ??= actor;
    return wire;
  }
  if (error instanceof Error) {
    const code = error.code;
    const wire = {
      code: typeof code === "string" && code.length > 0 ? code : "ACTOR_ERROR",
      message: error.message,
      retryable: false,
      actor
    };
    const stack = trimStack(error.stack);
    if (stack !== void 0) wire.stack = stack;
    return wire;
  }
  return { code: "ACTOR_ERROR", message: String(error), retryable: false, actor };
}
var TurnqError, MAX_STACK_LINES;
var init_turnq_error = __esm({
  "src/errors/turnq-error.ts"() {
    "use strict";
    init_error_codes();
    TurnqError = class _TurnqError extends Error {
      code;
      retryable;
      actor;
      remoteStack;
      details;
      constructor(code, options = {}) {
        const known = isErrorCode(code) ? ERROR_CODES[code] : void 0;
        super(options.message ?? known?.message ?? code, options.cause === void 0 ? void 0 : { cause: options.cause });
        this.name = "TurnqError";
        this.code = code;
        this.retryable = options.retryable ?? known?.retryable ?? false;
        this.actor = options.actor;
        this.remoteStack = options.remoteStack;
        this.details = options.details;
      }
      toWire() {
        const wire = { code: this.code, message: this.message, retryable: this.retryable };
        if (this.actor !== void 0) wire.actor = this.actor;
        const stack = this.remoteStack ?? trimStack(this.stack);
        if (stack !== void 0) wire.stack = stack;
        if (this.details !== void 0) wire.details = this.details;
        return wire;
      }
      static fromWire(wire) {
        const options = { message: wire.message, retryable: wire.retryable };
        if (wire.actor !== void 0) options.actor = wire.actor;
        if (wire.stack !== void 0) options.remoteStack = wire.stack;
        if (wire.details !== void 0) options.details = wire.details;
        return new _TurnqError(wire.code, options);
      }
    };
    MAX_STACK_LINES = 8;
  }
});

// src/protocol/ids.ts
import { randomBytes } from "node:crypto";
function randomId() {
  if (offset + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const id = pool.toString("hex", offset, offset + 16);
  offset += 16;
  return id;
}
var POOL_SIZE, pool, offset, REENTRANCY_ID_PATTERN;
var init_ids = __esm({
  "src/protocol/ids.ts"() {
    "use strict";
    POOL_SIZE = 4096;
    pool = Buffer.alloc(0);
    offset = POOL_SIZE;
    REENTRANCY_ID_PATTERN = /^[0-9a-f]{32}$/;
  }
});

// src/protocol/invocation.ts
function actorKey(type, id) {
  return `${type}/${id}`;
}
function depthFor(targetKey, stack) {
  let depth = 1;
  for (const frame of stack) if (frame.actor === targetKey) depth++;
  return depth;
}
var init_invocation = __esm({
  "src/protocol/invocation.ts"() {
    "use strict";
  }
});

// src/protocol/sharding.ts
function fnv1a32(text) {
  let hash = 2166136261;
  for (let i2 = 0; i2 < text.length; i2++) {
    const code = text.charCodeAt(i2);
    if (code >= 128) return fnv1a32Bytes(Buffer.from(text, "utf8"));
    hash = Math.imul(hash ^ code, 16777619);
  }
  return hash >>> 0;
}
function fnv1a32Bytes(bytes) {
  let hash = 2166136261;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619);
  return hash >>> 0;
}
function shardOf(actorId, shards) {
  return shards <= 1 ? 0 : fnv1a32(actorId) % shards;
}
var names;
var init_sharding = __esm({
  "src/protocol/sharding.ts"() {
    "use strict";
    names = {
      shard: (ns, type, shard) => `${ns}.shard.${type}.${shard}`,
      lane: (ns, worker) => `${ns}.lane.${worker}`,
      reply: (ns, client) => `${ns}.reply.${client}`,
      deadLetter: (ns) => `${ns}.dead-letter`,
      control: (ns) => `${ns}.control`
    };
  }
});

// src/logging/logger.ts
import { pino } from "pino";
function createLogger(level = "info", bindings = {}) {
  return pino({ level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
var silentLogger;
var init_logger = __esm({
  "src/logging/logger.ts"() {
    "use strict";
    silentLogger = pino({ level: "silent" });
  }
});

// src/protocol/headers.ts
var PROTOCOL_VERSION, HEADER;
var init_headers = __esm({
  "src/protocol/headers.ts"() {
    "use strict";
    PROTOCOL_VERSION = "1";
    HEADER = {
      protocol: "turnq-protocol",
      messageId: "turnq-message-id",
      actorType: "turnq-actor-type",
      actorId: "turnq-actor-id",
      method: "turnq-method",
      reentrancyId: "turnq-reentrancy-id",
      callStack: "turnq-call-stack",
      depth: "turnq-depth",
      deadline: "turnq-deadline",
      replyTo: "turnq-reply-to",
      correlationId: "turnq-correlation-id",
      status: "turnq-status",
      errorCode: "turnq-error-code",
      errorReason: "turnq-error-reason"
    };
  }
});

// src/protocol/codec.ts
function encodeInvocation(inv) {
  const headers = {
    [HEADER.protocol]: PROTOCOL_VERSION,
    [HEADER.messageId]: inv.messageId,
    [HEADER.actorType]: inv.actorType,
    [HEADER.actorId]: inv.actorId,
    [HEADER.method]: inv.method,
    [HEADER.reentrancyId]: inv.reentrancyId,
    [HEADER.callStack]: JSON.stringify(inv.stack),
    [HEADER.depth]: String(inv.depth),
    [HEADER.deadline]: String(inv.deadline)
  };
  if (inv.replyTo !== void 0) headers[HEADER.replyTo] = inv.replyTo;
  return { headers, body: Buffer.from(JSON.stringify({ args: inv.args })) };
}
function invalid2(message, code = "MESSAGE_INVALID") {
  return new TurnqError(code, { message });
}
function required(headers, name) {
  const value = headers[name];
  if (typeof value !== "string" || value.length === 0) throw invalid2(`header ${name} is missing or empty`);
  return value;
}
function integer(headers, name) {
  const text = required(headers, name);
  if (!/^\d{1,16}$/.test(text)) throw invalid2(`header ${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}
function parseStack(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid2(`header ${HEADER.callStack} is not JSON`);
  }
  if (!Array.isArray(value)) throw invalid2(`header ${HEADER.callStack} must be a JSON array`);
  return value.map((frame, index) => {
    if (typeof frame !== "object" || frame === null) throw invalid2(`call stack frame ${index} is not an object`);
    const { actor, method, turn, worker } = frame;
    if (typeof actor !== "string" || typeof method !== "string" || typeof turn !== "string" || typeof worker !== "string") {
      throw invalid2(`call stack frame ${index} needs string fields actor, method, turn and worker`);
    }
    return { actor, method, turn, worker };
  });
}
function replyAddressOf(headers) {
  if (typeof headers !== "object" || headers === null) return void 0;
  const h = headers;
  const replyTo = h[HEADER.replyTo];
  const id = h[HEADER.messageId];
  if (typeof replyTo !== "string" || replyTo === "" || typeof id !== "string" || id === "") return void 0;
  return { replyTo, correlationId: id };
}
function decodeInvocation(message, maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {
  const { headers, body } = message;
  if (body.length > maxBytes) {
    throw invalid2(`body of ${body.length} bytes exceeds the limit of ${maxBytes}`, "MESSAGE_TOO_LARGE");
  }
  const version = headers[HEADER.protocol];
  if (version !== PROTOCOL_VERSION) {
    throw new TurnqError("PROTOCOL_VERSION_UNSUPPORTED", {
      message: `protocol version "${String(version)}" is not supported (expected "${PROTOCOL_VERSION}")`
    });
  }
  const messageId = required(headers, HEADER.messageId);
  const actorType = required(headers, HEADER.actorType);
  const actorId = required(headers, HEADER.actorId);
  const method = required(headers, HEADER.method);
  const reentrancyId = required(headers, HEADER.reentrancyId);
  if (!REENTRANCY_ID_PATTERN.test(reentrancyId)) {
    throw invalid2(`header ${HEADER.reentrancyId} must be 32 lowercase hex digits`);
  }
  const stack = parseStack(required(headers, HEADER.callStack));
  const depth = integer(headers, HEADER.depth);
  const expected = depthFor(actorKey(actorType, actorId), stack);
  if (depth !== expected) {
    throw invalid2(`header ${HEADER.depth} is ${depth} but the call stack gives ${expected}`);
  }
  const deadline = integer(headers, HEADER.deadline);
  let payload;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid2("body is not JSON", "MESSAGE_UNDECODABLE");
  }
  const args = payload?.args;
  if (!Array.isArray(args)) throw invalid2('body must be a JSON object with an "args" array');
  const replyTo = headers[HEADER.replyTo];
  const inv = { messageId, actorType, actorId, method, args, reentrancyId, stack, depth, deadline };
  return replyTo === void 0 || replyTo === "" ? inv : { ...inv, replyTo };
}
function encodeReply(reply) {
  const headers = {
    [HEADER.protocol]: PROTOCOL_VERSION,
    [HEADER.correlationId]: reply.correlationId,
    [HEADER.status]: reply.status
  };
  const body = reply.status === "ok" ? { status: "ok", result: reply.result ?? null } : { status: "error", error: reply.error };
  return { headers, body: Buffer.from(JSON.stringify(body)) };
}
function decodeReply(message) {
  const correlationId = required(message.headers, HEADER.correlationId);
  let payload;
  try {
    payload = JSON.parse(message.body.toString("utf8"));
  } catch {
    throw invalid2("reply body is not JSON", "MESSAGE_UNDECODABLE");
  }
  const p = payload;
  if (p?.status === "ok") return { correlationId, status: "ok", result: p.result };
  if (p?.status === "error" && typeof p.error === "object" && p.error !== null) {
    const e = p.error;
    if (typeof e.code === "string" && typeof e.message === "string") {
      return { correlationId, status: "error", error: { ...e, code: e.code, message: e.message, retryable: e.retryable === true } };
    }
  }
  throw invalid2('reply body must be {"status":"ok","result":...} or {"status":"error","error":{code,message}}');
}
var DEFAULT_MAX_MESSAGE_BYTES;
var init_codec = __esm({
  "src/protocol/codec.ts"() {
    "use strict";
    init_turnq_error();
    init_headers();
    init_ids();
    init_invocation();
    DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
  }
});

// src/state/state-store.ts
var HANDLED_RECORD_LIMIT;
var init_state_store = __esm({
  "src/state/state-store.ts"() {
    "use strict";
    HANDLED_RECORD_LIMIT = 100;
  }
});

// src/transport/amqp/amqp-connection.ts
import * as amqp from "amqplib";
var HEARTBEAT_SECONDS, AmqpConnection;
var init_amqp_connection = __esm({
  "src/transport/amqp/amqp-connection.ts"() {
    "use strict";
    init_turnq_error();
    HEARTBEAT_SECONDS = 10;
    AmqpConnection = class {
      name;
      #options;
      #users = /* @__PURE__ */ new Set();
      #connection;
      /** Increments on every successful connect: handles from an older generation are dead. */
      #generation = 0;
      #closed = false;
      #reconnecting;
      #retryTimer;
      #readyWaiters = [];
      #upWaiters = [];
      constructor(options) {
        this.#options = options;
        this.name = options.connectionName;
      }
      get generation() {
        return this.#generation;
      }
      /** The live connection, or undefined while disconnected. */
      get current() {
        return this.#connection;
      }
      get closed() {
        return this.#closed;
      }
      /** First connect: rejects with TRANSPORT_UNAVAILABLE when the broker cannot be reached. */
      async open() {
        await this.#connectOnce();
      }
      /** Registers a user; runs its `up` now when connected. */
      async use(user) {
        this.#users.add(user);
        const connection = this.#connection;
        if (connection !== void 0) await user.up(connection);
      }
      release(user) {
        this.#users.delete(user);
      }
      /** Resolves once connected (at once when connected now). */
      ready() {
        if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
        if (this.#connection !== void 0) return Promise.resolve();
        return new Promise((resolve, reject) => {
          this.#readyWaiters.push({ resolve, reject });
        });
      }
      async #connectOnce() {
        let connection;
        try {
          connection = await amqp.connect(this.#options.url, {
            noDelay: true,
            heartbeat: HEARTBEAT_SECONDS,
            clientProperties: { connection_name: this.name }
          });
        } catch (error) {
          throw new TurnqError("TRANSPORT_UNAVAILABLE", { message: `cannot connect to RabbitMQ: ${String(error)}`, cause: error });
        }
        if (this.#closed) {
          await connection.close();
          throw new TurnqError("TRANSPORT_CLOSED");
        }
        const generation = this.#generation + 1;
        connection.on("error", (error) => {
          this.#options.logger.warn({ err: error, connection: this.name }, "RabbitMQ connection error");
        });
        connection.on("close", () => {
          this.#lost(generation, new TurnqError("TRANSPORT_UNAVAILABLE", { message: "connection to RabbitMQ was lost" }));
        });
        connection.on("blocked", (reason) => {
          this.#options.logger.warn({ reason, connection: this.name }, "RabbitMQ blocked the connection");
        });
        this.#connection = connection;
        this.#generation = generation;
        try {
          for (const user of this.#users) await user.up(connection);
        } catch (error) {
          this.#options.logger.warn({ err: error, connection: this.name }, "setting up the RabbitMQ topology failed");
          await connection.close().catch((closeError) => {
            this.#options.logger.debug({ err: closeError }, "closing a failed connection");
          });
          throw error instanceof TurnqError ? error : new TurnqError("TRANSPORT_UNAVAILABLE", { message: String(error), cause: error });
        }
        for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
        for (const waiter of this.#upWaiters.splice(0)) waiter();
      }
      /** Resolves after the next successful (re)connect, topology and consumers restored (for tests). */
      nextUp() {
        return new Promise((resolve) => {
          this.#upWaiters.push(resolve);
        });
      }
      /** Drops a channel's connection, for a channel error that leaves the setup broken. */
      reset(reason) {
        const connection = this.#connection;
        if (connection === void 0) return;
        this.#options.logger.warn({ reason, connection: this.name }, "resetting the RabbitMQ connection");
        connection.close().catch((error) => {
          this.#options.logger.debug({ err: error }, "closing a broken connection");
        });
      }
      #lost(generation, error) {
        if (generation !== this.#generation || this.#connection === void 0) return;
        this.#connection = void 0;
        for (const user of this.#users) {
          try {
            user.down(error);
          } catch (downError) {
            this.#options.logger.error({ err: downError }, "connection user failed on connection loss");
          }
        }
        if (this.#closed) return;
        this.#options.logger.warn({ connection: this.name }, "RabbitMQ connection lost; reconnecting");
        this.#reconnecting ??= this.#reconnect().finally(() => {
          this.#reconnecting = void 0;
        });
      }
      async #reconnect() {
        let delay = 100;
        const max = this.#options.maxBackoff ?? 5e3;
        while (!this.#closed) {
          await new Promise((resolve) => {
            this.#retryTimer = setTimeout(resolve, delay * (0.8 + Math.random() * 0.4));
          });
          if (this.#closed) return;
          try {
            await this.#connectOnce();
            this.#options.logger.info({ connection: this.name }, "RabbitMQ connection restored");
            return;
          } catch (error) {
            this.#options.logger.debug({ err: error, delay }, "reconnect attempt failed");
            delay = Math.min(max, delay * 2);
          }
        }
      }
      async close() {
        if (this.#closed) return;
        this.#closed = true;
        clearTimeout(this.#retryTimer);
        for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(new TurnqError("TRANSPORT_CLOSED"));
        const connection = this.#connection;
        this.#connection = void 0;
        if (connection !== void 0) {
          for (const user of this.#users) user.down(new TurnqError("TRANSPORT_CLOSED"));
          await connection.close().catch((error) => {
            this.#options.logger.debug({ err: error }, "closing the RabbitMQ connection");
          });
        }
      }
    };
  }
});

// src/transport/amqp/amqp-topology.ts
function shardQueueArguments(namespace) {
  return {
    "x-queue-type": "classic",
    "x-single-active-consumer": true,
    "x-dead-letter-exchange": "",
    "x-dead-letter-routing-key": names.deadLetter(namespace)
  };
}
async function declareShardQueue(channel, namespace, queue) {
  await channel.assertQueue(queue, { durable: true, arguments: shardQueueArguments(namespace) });
}
async function declareDeadLetterQueue(channel, namespace) {
  await channel.assertQueue(names.deadLetter(namespace), { durable: true });
}
async function declareControlExchange(channel, namespace) {
  await channel.assertExchange(names.control(namespace), "fanout", { durable: true });
}
async function declareLaneQueue(channel, queue) {
  await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
}
function wireMessageOf(message) {
  const headers = {};
  const raw = message.properties.headers ?? {};
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith("x-")) continue;
    if (typeof value === "string") headers[name] = value;
    else if (Buffer.isBuffer(value)) headers[name] = value.toString("utf8");
    else if (typeof value === "number" || typeof value === "boolean") headers[name] = String(value);
  }
  const replyTo = message.properties.replyTo;
  if (typeof replyTo === "string" && replyTo !== "") headers[HEADER.replyTo] = replyTo;
  return { headers, body: message.content };
}
function deliveryCountOf(message) {
  const headers = message.properties.headers;
  const quorum = headers?.["x-delivery-count"];
  if (typeof quorum === "number") return quorum;
  const counted = headers?.[DELIVERY_COUNT_HEADER];
  const n = typeof counted === "number" ? counted : typeof counted === "string" || Buffer.isBuffer(counted) ? Number(counted.toString()) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
var DELIVERY_LIMIT, DELIVERY_COUNT_HEADER, DIRECT_REPLY_TO, DEAD_LETTER_QUEUE_HEADER;
var init_amqp_topology = __esm({
  "src/transport/amqp/amqp-topology.ts"() {
    "use strict";
    init_headers();
    init_sharding();
    DELIVERY_LIMIT = 5;
    DELIVERY_COUNT_HEADER = "turnq-delivery-count";
    DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";
    DEAD_LETTER_QUEUE_HEADER = "turnq-dead-letter-queue";
  }
});

// src/transport/amqp/amqp-consumer.ts
var AmqpSubscription;
var init_amqp_consumer = __esm({
  "src/transport/amqp/amqp-consumer.ts"() {
    "use strict";
    init_turnq_error();
    init_codec();
    init_headers();
    init_sharding();
    init_amqp_topology();
    AmqpSubscription = class {
      #ctx;
      #spec;
      #laneQueue;
      #shards = [];
      #laneChannel;
      #laneHeld = /* @__PURE__ */ new Set();
      #laneTag;
      #controlTag;
      #closing = false;
      constructor(ctx, spec) {
        this.#ctx = ctx;
        this.#spec = spec;
        this.#laneQueue = names.lane(ctx.namespace, spec.workerId);
      }
      async up(connection) {
        if (this.#closing) return;
        const { namespace } = this.#ctx;
        const shards = [];
        for (const { type, shards: count } of this.#spec.types) {
          for (let n = 0; n < count; n++) {
            const queue = names.shard(namespace, type, n);
            const channel = await connection.createChannel();
            this.#watch(channel, "shard");
            await declareShardQueue(channel, namespace, queue);
            await channel.prefetch(this.#spec.prefetch, process.env.XQOS !== "consumer");
            shards.push({ queue, channel, consumerTag: void 0, held: /* @__PURE__ */ new Set(), parked: 0, qosSent: this.#spec.prefetch, qosBusy: false });
          }
        }
        this.#shards = shards;
        const laneChannel = await connection.createChannel();
        this.#watch(laneChannel, "lane");
        await declareDeadLetterQueue(laneChannel, namespace);
        await declareLaneQueue(laneChannel, this.#laneQueue);
        await declareControlExchange(laneChannel, namespace);
        const control = await laneChannel.assertQueue("", { exclusive: true, autoDelete: true });
        await laneChannel.bindQueue(control.queue, names.control(namespace), "");
        this.#laneChannel = laneChannel;
        this.#controlTag = (await laneChannel.consume(
          control.queue,
          (message) => {
            if (message !== null) this.#onControl(message);
          },
          { noAck: true }
        )).consumerTag;
        this.#laneTag = (await laneChannel.consume(this.#laneQueue, (message) => {
          if (message === null) return;
          const held = { message, channel: laneChannel, parked: false, settled: false };
          this.#laneHeld.add(held);
          this.#handle(held, "priority", void 0);
        })).consumerTag;
        for (const shard of shards) {
          shard.consumerTag = (await shard.channel.consume(shard.queue, (message) => {
            this.#onShardMessage(shard, message);
          })).consumerTag;
        }
      }
      down(_error) {
        for (const shard of this.#shards) for (const held of shard.held) held.settled = true;
        for (const held of this.#laneHeld) held.settled = true;
        this.#laneHeld.clear();
        this.#shards = [];
        this.#laneChannel = void 0;
      }
      #watch(channel, what) {
        channel.on("error", (error) => {
          this.#ctx.logger.warn({ err: error, channel: what, worker: this.#spec.workerId }, "consumer channel error");
        });
        channel.on("close", () => {
          if (this.#closing) return;
          if (channel === this.#laneChannel || this.#shards.some((shard) => shard.channel === channel))
            this.#ctx.connection.reset(`${what} channel closed`);
        });
      }
      // ---- deliveries ----
      #onShardMessage(shard, message) {
        if (message === null) {
          if (!this.#closing) this.#ctx.logger.warn({ queue: shard.queue }, "the broker cancelled a shard consumer (queue deleted?)");
          return;
        }
        const held = { message, channel: shard.channel, parked: false, settled: false };
        if (this.#closing) {
          shard.channel.nack(message, false, true);
          return;
        }
        shard.held.add(held);
        if (message.fields.redelivered) this.#redelivered(held, shard);
        else this.#handle(held, "shard", shard);
      }
      /** Counted redelivery (see the file comment). */
      #redelivered(held, shard) {
        const count = deliveryCountOf(held.message) + 1;
        const wire = wireMessageOf(held.message);
        if (count > DELIVERY_LIMIT) {
          const error = new TurnqError("MESSAGE_DELIVERY_LIMIT", {
            message: `message was delivered ${count} times without completing (limit ${DELIVERY_LIMIT} redeliveries)`
          });
          this.#reject(held, shard, wire, error);
          return;
        }
        const { properties } = held.message;
        const headers = { ...wire.headers, [DELIVERY_COUNT_HEADER]: String(count) };
        const replyTo = properties.replyTo;
        if (typeof replyTo === "string" && replyTo !== "") delete headers[HEADER.replyTo];
        const options = {
          persistent: true,
          mandatory: false,
          ...typeof replyTo === "string" && replyTo !== "" ? { replyTo } : {}
        };
        const messageId = properties.messageId;
        this.#ctx.publisher.publish(shard.queue, { headers, body: held.message.content }, typeof messageId === "string" ? { ...options, messageId } : options).then(
          () => {
            this.#settle(held, shard, "ack");
          },
          (error) => {
            this.#ctx.logger.warn({ err: error, queue: shard.queue }, "republishing a redelivered message failed; giving it back");
            this.#settle(held, shard, "requeue");
          }
        );
      }
      #handle(held, lane2, shard) {
        const wire = wireMessageOf(held.message);
        let invocation;
        try {
          invocation = decodeInvocation(wire, this.#ctx.maxMessageBytes);
        } catch (error) {
          const coded = error instanceof TurnqError ? error : new TurnqError("MESSAGE_UNDECODABLE", { message: String(error) });
          this.#reject(held, shard, wire, coded);
          return;
        }
        const redeliveries = deliveryCountOf(held.message);
        const delivery = {
          invocation,
          lane: lane2,
          redeliveries,
          ack: () => {
            this.#settle(held, shard, "ack");
          },
          requeue: () => {
            this.#settle(held, shard, "requeue");
          },
          deadLetter: (error) => {
            this.#deadLetter(held, shard, wire, error);
          },
          park: () => {
            if (held.settled || held.parked || shard === void 0) return;
            held.parked = true;
            shard.parked++;
            this.#window(shard);
          },
          unpark: () => {
            if (held.settled || !held.parked || shard === void 0) return;
            held.parked = false;
            shard.parked--;
            this.#window(shard);
          }
        };
        this.#spec.onDelivery(delivery);
      }
      /** An invalid message: error reply when it has a reply address, then the dead-letter queue. */
      #reject(held, shard, wire, error) {
        const address = replyAddressOf(wire.headers);
        if (address !== void 0) {
          this.#ctx.sendReply(address.replyTo, { correlationId: address.correlationId, status: "error", error: error.toWire() }).catch((replyError) => {
            this.#ctx.logger.warn({ err: replyError }, "error reply to an invalid message not sent");
          });
        }
        this.#deadLetter(held, shard, wire, error);
      }
      #deadLetter(held, shard, wire, error) {
        if (held.settled) return;
        const queue = held.message.fields.routingKey ?? "";
        const headers = {
          ...wire.headers,
          [HEADER.errorCode]: error.code,
          [HEADER.errorReason]: error.message,
          [DEAD_LETTER_QUEUE_HEADER]: queue
        };
        this.#ctx.publisher.publish(names.deadLetter(this.#ctx.namespace), { headers, body: wire.body }, { persistent: true, mandatory: false }).then(
          () => {
            this.#settle(held, shard, "ack");
          },
          (publishError) => {
            this.#ctx.logger.error(
              { err: publishError, code: error.code },
              "dead-letter publish failed; rejecting to the broker dead-letter route"
            );
            this.#settle(held, shard, "reject");
          }
        );
        this.#spec.onDeadLetter?.(error.code, error.message);
      }
      #settle(held, shard, how) {
        if (held.settled) return;
        held.settled = true;
        try {
          if (how === "ack") held.channel.ack(held.message);
          else held.channel.nack(held.message, false, how === "requeue");
        } catch (error) {
          this.#ctx.logger.debug({ err: error }, "settling a delivery of a closed channel");
        }
        if (shard === void 0) {
          this.#laneHeld.delete(held);
          return;
        }
        shard.held.delete(held);
        if (held.parked) {
          held.parked = false;
          shard.parked--;
          this.#window(shard);
        }
      }
      /** Sets the shard channel's prefetch to `prefetch + parked` (one basic.qos in flight at a time). */
      #window(shard) {
        const want = this.#spec.prefetch + shard.parked;
        if (shard.qosBusy || want === shard.qosSent || this.#closing || !this.#shards.includes(shard)) return;
        shard.qosBusy = true;
        shard.qosSent = want;
        shard.channel.prefetch(want, true).then(
          () => {
            shard.qosBusy = false;
            this.#window(shard);
          },
          (error) => {
            shard.qosBusy = false;
            this.#ctx.logger.warn({ err: error, queue: shard.queue }, "changing the shard prefetch failed");
          }
        );
      }
      #onControl(message) {
        try {
          const parsed = JSON.parse(message.content.toString("utf8"));
          this.#spec.onControl(parsed);
        } catch (error) {
          this.#ctx.logger.warn({ err: error }, "undecodable control message dropped");
        }
      }
      // ---- close ----
      async close() {
        if (this.#closing) return;
        this.#closing = true;
        this.#ctx.connection.release(this);
        const laneChannel = this.#laneChannel;
        const tasks = [];
        for (const shard of this.#shards) {
          const held = [...shard.held].sort((a, b) => a.message.fields.deliveryTag - b.message.fields.deliveryTag);
          for (const h of held) this.#settle(h, shard, "requeue");
          if (shard.consumerTag !== void 0) tasks.push(shard.channel.cancel(shard.consumerTag));
        }
        for (const h of [...this.#laneHeld]) this.#settle(h, void 0, "requeue");
        if (laneChannel !== void 0) {
          if (this.#laneTag !== void 0) tasks.push(laneChannel.cancel(this.#laneTag));
          if (this.#controlTag !== void 0) tasks.push(laneChannel.cancel(this.#controlTag));
        }
        await this.#quietly(Promise.all(tasks), "cancelling consumers");
        if (laneChannel !== void 0) await this.#quietly(laneChannel.deleteQueue(this.#laneQueue), "deleting the lane");
        for (const channel of [...this.#shards.map((s2) => s2.channel), laneChannel])
          if (channel !== void 0) await this.#quietly(channel.close(), "closing a consumer channel");
        this.#shards = [];
      }
      async #quietly(task, what) {
        try {
          await task;
        } catch (error) {
          this.#ctx.logger.debug({ err: error }, what);
        }
      }
    };
  }
});

// src/transport/amqp/amqp-publisher.ts
var AmqpPublisher;
var init_amqp_publisher = __esm({
  "src/transport/amqp/amqp-publisher.ts"() {
    "use strict";
    init_turnq_error();
    init_codec();
    init_amqp_topology();
    AmqpPublisher = class {
      #connection;
      #logger;
      #channel;
      #pending = /* @__PURE__ */ new Map();
      #seq = 0;
      #calls = /* @__PURE__ */ new Map();
      #endpoints = /* @__PURE__ */ new Set();
      #sweep;
      constructor(connection, logger2) {
        this.#connection = connection;
        this.#logger = logger2;
      }
      async up(connection) {
        const channel = await connection.createConfirmChannel();
        channel.on("error", (error) => {
          this.#logger.warn({ err: error }, "publish channel error");
        });
        channel.on("close", () => {
          if (this.#channel !== channel) return;
          this.#channel = void 0;
          this.down(new TurnqError("TRANSPORT_UNAVAILABLE", { message: "publish channel closed" }));
          this.#connection.reset("publish channel closed");
        });
        channel.on("return", (message) => {
          const key = message.properties.messageId;
          const entry = typeof key === "string" ? this.#pending.get(key) : void 0;
          if (entry !== void 0) entry.returned = true;
          else this.#logger.warn({ messageId: key }, "a returned message matched no publish");
        });
        await channel.consume(
          DIRECT_REPLY_TO,
          (message) => {
            if (message !== null) this.#onReply(message);
          },
          { noAck: true }
        );
        this.#channel = channel;
        this.#sweep ??= setInterval(() => {
          this.#expire();
        }, 5e3).unref();
      }
      down(error) {
        this.#channel = void 0;
        for (const [key, entry] of this.#pending) {
          this.#pending.delete(key);
          entry.reject(error);
        }
        for (const [id, call] of this.#calls) {
          this.#calls.delete(id);
          call.onReply({ correlationId: id, status: "error", error: error.toWire() });
        }
      }
      /** Publishes and resolves on the broker's confirm; rejects when returned, nacked or disconnected. */
      publish(routingKey, message, options, exchange = "") {
        const channel = this.#channel;
        if (channel === void 0) {
          return Promise.reject(new TurnqError(this.#connection.closed ? "TRANSPORT_CLOSED" : "TRANSPORT_UNAVAILABLE"));
        }
        let key = options.messageId ?? `p${++this.#seq}`;
        if (this.#pending.has(key)) key = `${key}#${++this.#seq}`;
        return new Promise((resolve, reject) => {
          this.#pending.set(key, { returned: false, resolve, reject, unroutable: options.unroutable });
          const properties = {
            headers: message.headers,
            persistent: options.persistent,
            mandatory: options.mandatory,
            messageId: key,
            contentType: "application/json",
            contentEncoding: "utf-8"
          };
          if (options.correlationId !== void 0) properties.correlationId = options.correlationId;
          if (options.directReplyTo === true) properties.replyTo = DIRECT_REPLY_TO;
          else if (options.replyTo !== void 0) properties.replyTo = options.replyTo;
          try {
            channel.publish(exchange, routingKey, message.body, properties, (error) => {
              this.#confirmed(key, error);
            });
          } catch (error) {
            this.#pending.delete(key);
            reject(
              error instanceof RangeError ? new TurnqError("MESSAGE_TOO_LARGE", { message: `message headers too large: ${error.message}` }) : new TurnqError("TRANSPORT_UNAVAILABLE", { message: String(error), cause: error })
            );
          }
        });
      }
      #confirmed(key, error) {
        const entry = this.#pending.get(key);
        if (entry === void 0) return;
        this.#pending.delete(key);
        if (error !== null && error !== void 0)
          entry.reject(new TurnqError("PUBLISH_FAILED", { message: `the broker did not confirm the message: ${String(error)}` }));
        else if (entry.returned) entry.reject(entry.unroutable?.() ?? new TurnqError("PUBLISH_UNROUTABLE"));
        else entry.resolve();
      }
      // ---- replies ----
      addEndpoint(onReply) {
        this.#endpoints.add(onReply);
      }
      removeEndpoint(onReply) {
        this.#endpoints.delete(onReply);
        for (const [id, call] of this.#calls) if (call.onReply === onReply) this.#calls.delete(id);
      }
      /** Remembers which endpoint waits for the reply to `messageId` (until its deadline). */
      track(messageId, onReply, deadline) {
        this.#calls.set(messageId, { onReply, deadline });
      }
      untrack(messageId) {
        this.#calls.delete(messageId);
      }
      #onReply(message) {
        let reply;
        try {
          reply = decodeReply(wireMessageOf(message));
        } catch (error) {
          this.#logger.warn({ err: error }, "undecodable reply dropped");
          return;
        }
        const call = this.#calls.get(reply.correlationId);
        if (call !== void 0) {
          this.#calls.delete(reply.correlationId);
          call.onReply(reply);
          return;
        }
        for (const endpoint of this.#endpoints) endpoint(reply);
      }
      #expire() {
        const now = Date.now();
        for (const [id, call] of this.#calls) if (call.deadline < now - 1e3) this.#calls.delete(id);
      }
      close() {
        clearInterval(this.#sweep);
      }
    };
  }
});

// src/transport/amqp/amqp-transport.ts
var amqp_transport_exports = {};
__export(amqp_transport_exports, {
  amqpConnectionOf: () => amqpConnectionOf,
  createAmqpTransport: () => createAmqpTransport
});
import { randomBytes as randomBytes2 } from "node:crypto";
function amqpConnectionOf(transport) {
  return transport instanceof AmqpTransport ? transport.connection : void 0;
}
async function createAmqpTransport(url, settings, options = {}) {
  const transport = new AmqpTransport(url, settings, options);
  await transport.open();
  return transport;
}
var AmqpTransport;
var init_amqp_transport = __esm({
  "src/transport/amqp/amqp-transport.ts"() {
    "use strict";
    init_turnq_error();
    init_logger();
    init_codec();
    init_sharding();
    init_amqp_connection();
    init_amqp_consumer();
    init_amqp_publisher();
    init_amqp_topology();
    AmqpTransport = class {
      kind = "amqp";
      connection;
      #settings;
      #logger;
      #publisher;
      #subscriptions = /* @__PURE__ */ new Set();
      #controlDeclared;
      #closed = false;
      constructor(url, settings, options) {
        this.#settings = settings;
        this.#logger = options.logger ?? createLogger(process.env.TURNQ_AMQP_LOG_LEVEL ?? "warn", { component: "turnq-amqp" });
        const name = `turnq:${settings.namespace}:${options.label ?? "process"}:${randomBytes2(4).toString("hex")}`;
        this.connection = new AmqpConnection({ url, connectionName: name, logger: this.#logger });
        this.#publisher = new AmqpPublisher(this.connection, this.#logger);
      }
      async open() {
        await this.connection.use(this.#publisher);
        await this.connection.open();
      }
      #checkOpen() {
        if (this.#closed) throw new TurnqError("TRANSPORT_CLOSED");
      }
      publish(invocation, route) {
        if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
        const ns = this.#settings.namespace;
        const actor = `${invocation.actorType}/${invocation.actorId}`;
        const shard = route.lane === "shard";
        const queue = shard ? names.shard(ns, invocation.actorType, route.shard) : names.lane(ns, route.worker);
        const waits = invocation.replyTo !== void 0;
        const message = encodeInvocation(waits ? { ...invocation, replyTo: DIRECT_REPLY_TO } : invocation);
        const published = this.#publisher.publish(queue, message, {
          persistent: shard,
          mandatory: true,
          messageId: invocation.messageId,
          directReplyTo: waits,
          unroutable: () => shard ? new TurnqError("ACTOR_TYPE_UNKNOWN", {
            actor,
            message: `no worker hosts actor type ${invocation.actorType} (no queue ${queue})`
          }) : new TurnqError("PUBLISH_UNROUTABLE", {
            actor,
            message: `priority lane of worker ${route.lane === "priority" ? route.worker : ""} is gone`
          })
        });
        if (!waits) return published;
        const onReply = this.#endpointFor(invocation.replyTo);
        if (onReply !== void 0) this.#publisher.track(invocation.messageId, onReply, invocation.deadline);
        return published.catch((error) => {
          this.#publisher.untrack(invocation.messageId);
          throw error;
        });
      }
      #endpoints = /* @__PURE__ */ new Map();
      #endpointFor(address) {
        return address === void 0 ? void 0 : this.#endpoints.get(address);
      }
      publishRaw(queue, message) {
        if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
        return this.#publisher.publish(queue, message, {
          persistent: true,
          mandatory: true,
          unroutable: () => new TurnqError("PUBLISH_UNROUTABLE", { message: `no queue ${queue}` })
        });
      }
      openReplies(clientId, onReply) {
        this.#checkOpen();
        const address = `${DIRECT_REPLY_TO}#${clientId}`;
        this.#endpoints.set(address, onReply);
        this.#publisher.addEndpoint(onReply);
        return Promise.resolve({
          address,
          close: () => {
            this.#endpoints.delete(address);
            this.#publisher.removeEndpoint(onReply);
            return Promise.resolve();
          }
        });
      }
      sendReply(address, reply) {
        if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
        return this.#publisher.publish(address, encodeReply(reply), {
          persistent: false,
          mandatory: false,
          correlationId: reply.correlationId
        });
      }
      broadcast(message) {
        if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
        const exchange = names.control(this.#settings.namespace);
        this.#controlDeclared ??= this.#declareControl();
        return this.#controlDeclared.then(
          () => this.#publisher.publish(
            "",
            { headers: {}, body: Buffer.from(JSON.stringify(message)) },
            { persistent: false, mandatory: false },
            exchange
          )
        );
      }
      async #declareControl() {
        const connection = this.connection.current;
        if (connection === void 0) {
          this.#controlDeclared = void 0;
          throw new TurnqError("TRANSPORT_UNAVAILABLE");
        }
        const channel = await connection.createChannel();
        try {
          await declareControlExchange(channel, this.#settings.namespace);
        } finally {
          await channel.close();
        }
      }
      async consume(spec) {
        this.#checkOpen();
        const subscription = new AmqpSubscription(
          {
            namespace: this.#settings.namespace,
            maxMessageBytes: this.#settings.maxMessageBytes,
            connection: this.connection,
            publisher: this.#publisher,
            logger: this.#logger,
            sendReply: (address, reply) => this.sendReply(address, reply)
          },
          spec
        );
        this.#subscriptions.add(subscription);
        await this.connection.use(subscription);
        return {
          close: async () => {
            this.#subscriptions.delete(subscription);
            await subscription.close();
          }
        };
      }
      async close() {
        if (this.#closed) return;
        this.#closed = true;
        await Promise.all([...this.#subscriptions].map((s2) => s2.close()));
        this.#publisher.close();
        await this.connection.close();
      }
    };
  }
});

// src/state/redis-connection.ts
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
function luaScript(name, source) {
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}
function redisOptions(role) {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: role === "command" ? 3 : null,
    enableAutoPipelining: role === "command",
    connectionName: `turnq-${role}`,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1e3)
  };
}
async function openRedis(url, role) {
  const redis = new Redis(url, redisOptions(role));
  redis.on("error", () => void 0);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}
async function runScript(redis, script, keys, args) {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("NOSCRIPT")) return redis.eval(script.source, keys.length, ...keys, ...args);
    throw error;
  }
}
async function closeRedis(redis) {
  if (redis.status === "end") return;
  try {
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  } catch {
  }
  redis.disconnect();
}
var init_redis_connection = __esm({
  "src/state/redis-connection.ts"() {
    "use strict";
  }
});

// src/state/redis-keys.ts
var redisKeys, BULL_PREFIX;
var init_redis_keys = __esm({
  "src/state/redis-keys.ts"() {
    "use strict";
    redisKeys = {
      state: (ns, actorKey2) => `${ns}:state:${actorKey2}`,
      handled: (ns, actorKey2) => `${ns}:handled:${actorKey2}`,
      fence: (ns, scope) => `${ns}:fence:${scope}`,
      lease: (ns, queue) => `${ns}:lease:${queue}`,
      types: (ns) => `${ns}:types`,
      lanes: (ns) => `${ns}:lanes`
    };
    BULL_PREFIX = "bull";
  }
});

// src/transport/bullmq/job-envelope.ts
function toEnvelope(message) {
  return { headers: message.headers, body: message.body.toString("utf8") };
}
function fromEnvelope(data) {
  if (typeof data !== "object" || data === null)
    throw new TurnqError("MESSAGE_UNDECODABLE", { message: "job data must be an object {headers, body}" });
  const { headers, body } = data;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    throw new TurnqError("MESSAGE_UNDECODABLE", { message: 'job data needs a "headers" object of strings' });
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") throw new TurnqError("MESSAGE_UNDECODABLE", { message: `header ${name} must be a string` });
  }
  if (typeof body !== "string") throw new TurnqError("MESSAGE_UNDECODABLE", { message: 'job data needs a "body" string (JSON text)' });
  return { headers, body: Buffer.from(body, "utf8") };
}
function headersOf(data) {
  return typeof data === "object" && data !== null ? data.headers : void 0;
}
var JOB_OPTIONS;
var init_job_envelope = __esm({
  "src/transport/bullmq/job-envelope.ts"() {
    "use strict";
    init_turnq_error();
    JOB_OPTIONS = { removeOnComplete: true, removeOnFail: 1e3, attempts: 1 };
  }
});

// src/transport/bullmq/bull-keys.ts
function bullKeys(queue) {
  const base = `${BULL_PREFIX}:${queue}:`;
  return { active: `${base}active`, wait: `${base}wait`, stalled: `${base}stalled`, marker: `${base}marker`, jobPrefix: base };
}
var init_bull_keys = __esm({
  "src/transport/bullmq/bull-keys.ts"() {
    "use strict";
    init_redis_keys();
  }
});

// src/transport/bullmq/shard-lease.ts
async function tryAcquire(redis, ns, queue, workerId) {
  const keys = bullKeys(queue);
  const [epoch, reclaimed] = await runScript(
    redis,
    ACQUIRE_SCRIPT,
    [redisKeys.lease(ns, queue), redisKeys.fence(ns, queue), keys.active, keys.wait, keys.stalled, keys.marker],
    [workerId, LEASE_TTL_MS, keys.jobPrefix]
  );
  return epoch === 0 ? void 0 : { epoch, value: `${workerId}:${epoch}`, reclaimed };
}
async function renewLease(redis, ns, queue, value) {
  return await runScript(redis, RENEW_SCRIPT, [redisKeys.lease(ns, queue)], [value, LEASE_TTL_MS]) === 1;
}
async function releaseLease(redis, ns, queue, value) {
  return await runScript(redis, RELEASE_SCRIPT, [redisKeys.lease(ns, queue)], [value]) === 1;
}
async function returnJobs(redis, queue, token, jobIds) {
  if (jobIds.length === 0) return 0;
  const keys = bullKeys(queue);
  return await runScript(
    redis,
    RETURN_SCRIPT,
    [keys.active, keys.wait, keys.stalled, keys.marker],
    [keys.jobPrefix, token, ...jobIds]
  );
}
var LEASE_TTL_MS, LEASE_RENEW_MS, LEASE_RETRY_MS, ACQUIRE_SCRIPT, RENEW_SCRIPT, RELEASE_SCRIPT, RETURN_SCRIPT;
var init_shard_lease = __esm({
  "src/transport/bullmq/shard-lease.ts"() {
    "use strict";
    init_redis_connection();
    init_redis_keys();
    init_bull_keys();
    LEASE_TTL_MS = 3e3;
    LEASE_RENEW_MS = 1e3;
    LEASE_RETRY_MS = 250;
    ACQUIRE_SCRIPT = luaScript(
      "turnq-lease-acquire",
      `if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
local ids = redis.call('LRANGE', KEYS[3], 0, -1)
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[3] .. id .. ':lock')
  redis.call('SREM', KEYS[5], id)
  if redis.call('EXISTS', ARGV[3] .. id) == 1 then
    redis.call('HINCRBY', ARGV[3] .. id, 'stc', 1)
    redis.call('RPUSH', KEYS[4], id)
  end
end
redis.call('DEL', KEYS[3])
if #ids > 0 then redis.call('ZADD', KEYS[6], 0, '0') end
return {epoch, #ids}`
    );
    RENEW_SCRIPT = luaScript(
      "turnq-lease-renew",
      `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`
    );
    RELEASE_SCRIPT = luaScript(
      "turnq-lease-release",
      `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`
    );
    RETURN_SCRIPT = luaScript(
      "turnq-return-jobs",
      `local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local lockKey = ARGV[1] .. id .. ':lock'
  if redis.call('GET', lockKey) == ARGV[2] then
    redis.call('DEL', lockKey)
    redis.call('SREM', KEYS[3], id)
    if redis.call('LREM', KEYS[1], 1, id) > 0 then
      redis.call('HINCRBY', ARGV[1] .. id, 'stc', 1)
      redis.call('RPUSH', KEYS[2], id)
      n = n + 1
    end
  end
end
if n > 0 then redis.call('ZADD', KEYS[4], 0, '0') end
return n`
    );
  }
});

// src/transport/bullmq/queue-consumer.ts
import { Worker } from "bullmq";
var LOCK_MS, QueueConsumer;
var init_queue_consumer = __esm({
  "src/transport/bullmq/queue-consumer.ts"() {
    "use strict";
    init_turnq_error();
    init_codec();
    init_ids();
    init_redis_keys();
    init_job_envelope();
    init_shard_lease();
    LOCK_MS = 10 * 6e4;
    QueueConsumer = class {
      queue;
      #context;
      #spec;
      #lane;
      #prefetch;
      #fence;
      #worker;
      #token = randomId();
      #held = /* @__PURE__ */ new Map();
      #pending = /* @__PURE__ */ new Set();
      #runnable = 0;
      #seq = 0;
      #stopping = false;
      #wake;
      #loop;
      #lockTimer;
      constructor(context, spec, queue, lane2, prefetch, fence) {
        this.#context = context;
        this.#spec = spec;
        this.queue = queue;
        this.#lane = lane2;
        this.#prefetch = prefetch;
        this.#fence = fence;
        this.#worker = new Worker(queue, null, {
          connection: context.workerRedis,
          prefix: BULL_PREFIX,
          autorun: false,
          lockDuration: LOCK_MS,
          skipStalledCheck: true,
          skipLockRenewal: true,
          drainDelay: 5
        });
        this.#worker.on("error", (error) => {
          if (!this.#stopping) context.logger.warn({ err: error, queue }, "BullMQ worker error");
        });
      }
      start() {
        this.#loop = this.#run();
        this.#lockTimer = setInterval(() => {
          this.#extendLocks();
        }, LOCK_MS / 2).unref();
      }
      async #run() {
        while (!this.#stopping) {
          if (this.#runnable >= this.#prefetch) {
            await new Promise((resolve) => {
              this.#wake = resolve;
            });
            continue;
          }
          let job;
          try {
            job = await this.#worker.getNextJob(this.#token, { block: true });
          } catch (error) {
            if (this.#stopping) break;
            this.#context.logger.warn({ err: error, queue: this.queue }, "fetching a job failed; retrying");
            await new Promise((resolve) => setTimeout(resolve, 200));
            continue;
          }
          if (job?.id === void 0) continue;
          if (this.#stopping) {
            await this.#track(returnJobs(this.#context.redis, this.queue, this.#token, [job.id]));
            break;
          }
          this.#deliver(job);
        }
      }
      #wakeLoop() {
        const wake = this.#wake;
        this.#wake = void 0;
        wake?.();
      }
      /** Runs a Redis operation the consumer must finish before closing; failures are logged. */
      #track(operation, what = "returning jobs") {
        const tracked = operation.catch((error) => {
          this.#context.logger.warn({ err: error, queue: this.queue }, `${what} failed`);
          return void 0;
        });
        this.#pending.add(tracked);
        void tracked.finally(() => this.#pending.delete(tracked));
        return tracked;
      }
      #deliver(job) {
        const id = job.id;
        const held = { job, seq: this.#seq++, parked: false };
        this.#held.set(id, held);
        this.#runnable++;
        const release = () => {
          if (this.#held.get(id) !== held) return false;
          this.#held.delete(id);
          if (!held.parked) this.#runnable--;
          this.#wakeLoop();
          return true;
        };
        const complete = () => {
          if (!release()) return;
          void this.#track(job.moveToCompleted(null, this.#token, false), "acknowledging a job");
        };
        const deadLetter = (error) => {
          if (!release()) return;
          void this.#track(
            this.#context.deadLetter(this.queue, job.data, error).then(() => job.moveToCompleted(null, this.#token, false)),
            "dead-lettering a job"
          );
          this.#spec.onDeadLetter?.(error.code, error.message);
        };
        let delivery;
        try {
          const invocation = decodeInvocation(fromEnvelope(job.data), this.#context.maxBytes);
          const base = {
            invocation,
            lane: this.#lane,
            redeliveries: job.stalledCounter,
            ack: complete,
            requeue: () => {
              if (release()) void this.#track(returnJobs(this.#context.redis, this.queue, this.#token, [id]));
            },
            deadLetter,
            park: () => {
              if (held.parked || this.#held.get(id) !== held) return;
              held.parked = true;
              this.#runnable--;
              this.#wakeLoop();
            },
            unpark: () => {
              if (!held.parked || this.#held.get(id) !== held) return;
              held.parked = false;
              this.#runnable++;
            }
          };
          delivery = this.#fence === void 0 ? base : { ...base, fence: this.#fence };
        } catch (error) {
          const coded = error instanceof TurnqError ? error : new TurnqError("MESSAGE_UNDECODABLE", { message: String(error) });
          const address = replyAddressOf(headersOf(job.data));
          if (address !== void 0) {
            void this.#track(
              this.#context.sendReply(address.replyTo, { correlationId: address.correlationId, status: "error", error: coded.toWire() }),
              "replying to an invalid job"
            );
          }
          deadLetter(coded);
          return;
        }
        this.#spec.onDelivery(delivery);
      }
      #extendLocks() {
        const ids = [...this.#held.keys()];
        if (ids.length === 0) return;
        void this.#track(
          this.#worker.extendJobLocks(
            ids,
            ids.map(() => this.#token),
            LOCK_MS
          ),
          "extending job locks"
        );
      }
      /**
       * Stops fetching. `giveBack`: the jobs still held go back to the front of the queue, in order (a
       * clean close, or a lost lease: only jobs still locked by this consumer move). Waits for acks in flight.
       */
      async close(giveBack) {
        if (this.#stopping) return;
        this.#stopping = true;
        clearInterval(this.#lockTimer);
        this.#wakeLoop();
        await Promise.all([...this.#pending]);
        const held = [...this.#held.values()].sort((a, b) => b.seq - a.seq);
        this.#held.clear();
        if (giveBack)
          await this.#track(
            returnJobs(
              this.#context.redis,
              this.queue,
              this.#token,
              held.map((h) => h.job.id)
            )
          );
        await this.#worker.close(true);
        await this.#loop;
        await Promise.all([...this.#pending]);
      }
    };
  }
});

// src/transport/bullmq/reply-list.ts
async function pushReply(redis, address, reply) {
  await runScript(redis, PUSH_REPLY_SCRIPT, [address], [JSON.stringify(toEnvelope(encodeReply(reply))), REPLY_TTL_MS]);
}
async function openReplyList(url, address, logger2, onReply) {
  const redis = await openRedis(url, "blocking");
  let closed = false;
  const loop = async () => {
    while (!closed) {
      let popped;
      try {
        popped = await redis.brpop(address, 0);
      } catch (error) {
        if (closed) return;
        logger2.warn({ err: error, address }, "waiting for replies failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (popped === null) continue;
      try {
        onReply(decodeReply(fromEnvelope(JSON.parse(popped[1]))));
      } catch (error) {
        logger2.warn({ err: error, address }, "undecodable reply dropped");
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
      await closeRedis(redis);
    }
  };
}
var REPLY_TTL_MS, PUSH_REPLY_SCRIPT;
var init_reply_list = __esm({
  "src/transport/bullmq/reply-list.ts"() {
    "use strict";
    init_codec();
    init_redis_connection();
    init_job_envelope();
    REPLY_TTL_MS = 5 * 6e4;
    PUSH_REPLY_SCRIPT = luaScript(
      "turnq-push-reply",
      `local n = redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`
    );
  }
});

// src/transport/bullmq/shard-owner.ts
var ShardOwner;
var init_shard_owner = __esm({
  "src/transport/bullmq/shard-owner.ts"() {
    "use strict";
    init_queue_consumer();
    init_shard_lease();
    ShardOwner = class {
      queue;
      #context;
      #spec;
      #ns;
      #lease;
      #consumer;
      #timer;
      #renewedAt = 0;
      #busy = Promise.resolve();
      #closed = false;
      constructor(context, spec, ns, queue) {
        this.#context = context;
        this.#spec = spec;
        this.#ns = ns;
        this.queue = queue;
      }
      get owned() {
        return this.#lease !== void 0;
      }
      get epoch() {
        return this.#lease?.epoch;
      }
      /** Makes a first attempt to take the shard, then keeps trying or renewing in the background. */
      async start() {
        await this.#tick();
        this.#schedule();
      }
      #schedule() {
        if (this.#closed) return;
        this.#timer = setTimeout(
          () => {
            this.#busy = this.#tick().finally(() => {
              this.#schedule();
            });
          },
          this.#lease === void 0 ? LEASE_RETRY_MS : LEASE_RENEW_MS
        );
      }
      async #tick() {
        const redis = this.#context.redis;
        try {
          if (this.#lease === void 0) {
            const lease = await tryAcquire(redis, this.#ns, this.queue, this.#spec.workerId);
            if (lease === void 0 || this.#closed) {
              if (lease !== void 0) await releaseLease(redis, this.#ns, this.queue, lease.value);
              return;
            }
            this.#lease = lease;
            this.#renewedAt = Date.now();
            if (lease.reclaimed > 0)
              this.#context.logger.info({ queue: this.queue, epoch: lease.epoch, reclaimed: lease.reclaimed }, "shard taken over");
            this.#consumer = new QueueConsumer(this.#context, this.#spec, this.queue, "shard", this.#spec.prefetch, {
              scope: this.queue,
              epoch: lease.epoch
            });
            this.#consumer.start();
            return;
          }
          if (await renewLease(redis, this.#ns, this.queue, this.#lease.value)) {
            this.#renewedAt = Date.now();
            return;
          }
          this.#context.logger.warn({ queue: this.queue, epoch: this.#lease.epoch }, "shard lease lost to another worker");
          await this.#stopConsuming();
        } catch (error) {
          this.#context.logger.warn({ err: error, queue: this.queue }, "shard lease operation failed");
          if (this.#lease !== void 0 && Date.now() - this.#renewedAt > LEASE_TTL_MS - LEASE_RENEW_MS) {
            this.#context.logger.warn({ queue: this.queue, epoch: this.#lease.epoch }, "shard lease not renewed in time: stopping");
            await this.#stopConsuming();
          }
        }
      }
      /** Lease lost: stop fetching at once; jobs still locked by us go back (the new owner takes the rest). */
      async #stopConsuming() {
        const consumer = this.#consumer;
        this.#consumer = void 0;
        this.#lease = void 0;
        await consumer?.close(true);
      }
      /** Clean close: every job held goes back to the front of the queue, then the lease is released. */
      async close() {
        this.#closed = true;
        clearTimeout(this.#timer);
        await this.#busy;
        const lease = this.#lease;
        await this.#consumer?.close(true);
        this.#consumer = void 0;
        this.#lease = void 0;
        if (lease !== void 0) {
          try {
            await releaseLease(this.#context.redis, this.#ns, this.queue, lease.value);
          } catch (error) {
            this.#context.logger.warn({ err: error, queue: this.queue }, "releasing the shard lease failed; it expires by itself");
          }
        }
      }
    };
  }
});

// src/transport/bullmq/bullmq-transport.ts
var bullmq_transport_exports = {};
__export(bullmq_transport_exports, {
  BullmqTransport: () => BullmqTransport,
  LANE_TTL_MS: () => LANE_TTL_MS,
  createBullmqTransport: () => createBullmqTransport
});
import { Queue } from "bullmq";
async function createBullmqTransport(url, settings) {
  let redis;
  try {
    redis = await openRedis(url, "command");
    const workerRedis = await openRedis(url, "blocking");
    return new BullmqTransport(url, settings, redis, workerRedis);
  } catch (error) {
    if (redis !== void 0) await closeRedis(redis);
    throw new TurnqError("TRANSPORT_UNAVAILABLE", { message: `transport ${url}: cannot reach Redis: ${String(error)}`, cause: error });
  }
}
var LANE_TTL_MS, LANE_CACHE_MS, logger, BullmqTransport;
var init_bullmq_transport = __esm({
  "src/transport/bullmq/bullmq-transport.ts"() {
    "use strict";
    init_turnq_error();
    init_logger();
    init_codec();
    init_sharding();
    init_redis_connection();
    init_redis_keys();
    init_job_envelope();
    init_queue_consumer();
    init_reply_list();
    init_shard_owner();
    LANE_TTL_MS = 15e3;
    LANE_CACHE_MS = 1e3;
    logger = createLogger(process.env.TURNQ_LOG_LEVEL ?? "warn", { component: "bullmq-transport" });
    BullmqTransport = class {
      kind = "redis";
      namespace;
      #url;
      #maxBytes;
      #redis;
      #workerRedis;
      #queues = /* @__PURE__ */ new Map();
      #knownTypes = /* @__PURE__ */ new Set();
      #knownLanes = /* @__PURE__ */ new Map();
      #subscriptions = /* @__PURE__ */ new Set();
      #closed = false;
      constructor(url, settings, redis, workerRedis) {
        this.#url = url;
        this.namespace = settings.namespace;
        this.#maxBytes = settings.maxMessageBytes > 0 ? settings.maxMessageBytes : DEFAULT_MAX_MESSAGE_BYTES;
        this.#redis = redis;
        this.#workerRedis = workerRedis;
      }
      #checkOpen() {
        if (this.#closed) throw new TurnqError("TRANSPORT_CLOSED");
      }
      #queue(name) {
        let queue = this.#queues.get(name);
        if (queue === void 0) {
          queue = new Queue(name, { connection: this.#redis, prefix: BULL_PREFIX, skipVersionCheck: true });
          queue.on("error", (error) => {
            logger.warn({ err: error, queue: name }, "BullMQ queue error");
          });
          this.#queues.set(name, queue);
        }
        return queue;
      }
      async #add(name, message, jobName) {
        try {
          await this.#queue(name).add(jobName, toEnvelope(message), JOB_OPTIONS);
        } catch (error) {
          throw new TurnqError("PUBLISH_FAILED", { message: `adding a job to ${name} failed: ${String(error)}`, cause: error });
        }
      }
      async #checkType(type, actor) {
        if (this.#knownTypes.has(type)) return;
        let hosted;
        try {
          hosted = await this.#redis.sismember(redisKeys.types(this.namespace), type);
        } catch (error) {
          throw new TurnqError("PUBLISH_FAILED", { message: `reading the actor type registry failed: ${String(error)}`, cause: error });
        }
        if (hosted !== 1) throw new TurnqError("ACTOR_TYPE_UNKNOWN", { message: `no worker hosts actor type ${type}`, actor });
        this.#knownTypes.add(type);
      }
      async #checkLane(worker) {
        const now = Date.now();
        if ((this.#knownLanes.get(worker) ?? 0) > now) return;
        let expiry;
        try {
          expiry = await this.#redis.zscore(redisKeys.lanes(this.namespace), worker);
        } catch (error) {
          throw new TurnqError("PUBLISH_FAILED", { message: `reading the lane registry failed: ${String(error)}`, cause: error });
        }
        if (expiry === null || Number(expiry) < now)
          throw new TurnqError("PUBLISH_UNROUTABLE", { message: `priority lane of worker ${worker} is gone` });
        this.#knownLanes.set(worker, now + LANE_CACHE_MS);
      }
      async publish(invocation, route) {
        this.#checkOpen();
        if (route.lane === "shard") {
          await this.#checkType(invocation.actorType, `${invocation.actorType}/${invocation.actorId}`);
          await this.#add(names.shard(this.namespace, invocation.actorType, route.shard), encodeInvocation(invocation), invocation.method);
        } else {
          await this.#checkLane(route.worker);
          await this.#add(names.lane(this.namespace, route.worker), encodeInvocation(invocation), invocation.method);
        }
      }
      publishRaw(queue, message) {
        this.#checkOpen();
        return this.#add(queue, message, "raw");
      }
      openReplies(clientId, onReply) {
        this.#checkOpen();
        return openReplyList(this.#url, names.reply(this.namespace, clientId), logger, onReply).catch((error) => {
          throw new TurnqError("TRANSPORT_UNAVAILABLE", { message: `opening the reply list failed: ${String(error)}`, cause: error });
        });
      }
      async sendReply(address, reply) {
        try {
          await pushReply(this.#redis, address, reply);
        } catch (error) {
          throw new TurnqError("PUBLISH_FAILED", { message: `sending a reply to ${address} failed: ${String(error)}`, cause: error });
        }
      }
      async broadcast(message) {
        this.#checkOpen();
        try {
          await this.#redis.publish(names.control(this.namespace), JSON.stringify(message));
        } catch (error) {
          throw new TurnqError("PUBLISH_FAILED", { message: `broadcast failed: ${String(error)}`, cause: error });
        }
      }
      #deadLetter(queue, data, error) {
        return this.#queue(names.deadLetter(this.namespace)).add(
          "dead-letter",
          { queue, data, code: error.code, reason: error.message, at: Date.now() },
          { removeOnComplete: true }
        );
      }
      async consume(spec) {
        this.#checkOpen();
        const ns = this.namespace;
        const context = {
          redis: this.#redis,
          workerRedis: this.#workerRedis,
          maxBytes: this.#maxBytes,
          logger: logger.child({ worker: spec.workerId }),
          deadLetter: async (queue, data, error) => {
            await this.#deadLetter(queue, data, error);
          },
          sendReply: (address, reply) => this.sendReply(address, reply)
        };
        const laneQueue = names.lane(ns, spec.workerId);
        const announceLane = () => this.#redis.zadd(redisKeys.lanes(ns), Date.now() + LANE_TTL_MS, spec.workerId);
        const types = spec.types.map((t2) => t2.type);
        if (types.length > 0) await this.#redis.sadd(redisKeys.types(ns), ...types);
        await announceLane();
        const lane2 = new QueueConsumer(context, spec, laneQueue, "priority", Number.POSITIVE_INFINITY, void 0);
        lane2.start();
        const laneTimer = setInterval(() => {
          announceLane().catch((error) => {
            context.logger.warn({ err: error }, "announcing the priority lane failed");
          });
        }, LANE_TTL_MS / 3).unref();
        const subscriber = await openRedis(this.#url, "subscriber");
        const channel = names.control(ns);
        subscriber.on("message", (from, text) => {
          if (from !== channel) return;
          try {
            const message = JSON.parse(text);
            if (message.kind === "cancel") spec.onControl(message);
          } catch (error) {
            context.logger.warn({ err: error }, "undecodable control message dropped");
          }
        });
        await subscriber.subscribe(channel);
        const owners = spec.types.flatMap(
          ({ type, shards }) => Array.from({ length: shards }, (_, shard) => new ShardOwner(context, spec, ns, names.shard(ns, type, shard)))
        );
        await Promise.all(owners.map((owner) => owner.start()));
        let closing;
        const subscription = {
          close: () => {
            closing ??= (async () => {
              this.#subscriptions.delete(subscription);
              clearInterval(laneTimer);
              await Promise.all(owners.map((owner) => owner.close()));
              await lane2.close(false);
              try {
                await this.#redis.zrem(redisKeys.lanes(ns), spec.workerId);
                await this.#queue(laneQueue).obliterate({ force: true });
              } catch (error) {
                context.logger.warn({ err: error }, "removing the priority lane failed");
              }
              await closeRedis(subscriber);
            })();
            return closing;
          }
        };
        this.#subscriptions.add(subscription);
        return subscription;
      }
      async close() {
        if (this.#closed) return;
        this.#closed = true;
        await Promise.all([...this.#subscriptions].map((s2) => s2.close()));
        await Promise.all([...this.#queues.values()].map((q) => q.close()));
        await closeRedis(this.#redis);
        await closeRedis(this.#workerRedis);
      }
    };
  }
});

// src/state/redis-state-store.ts
var redis_state_store_exports = {};
__export(redis_state_store_exports, {
  RedisStateStore: () => RedisStateStore,
  SAVE_SCRIPT: () => SAVE_SCRIPT,
  STORE_RETRY_MS: () => STORE_RETRY_MS,
  createRedisStateStore: () => createRedisStateStore
});
function transient(error) {
  return error instanceof Error && error.name !== "ReplyError";
}
async function retrying(operation) {
  const giveUp = Date.now() + STORE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!transient(error) || Date.now() >= giveUp) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500)));
    }
  }
}
function storeFailed(actorKey2, error) {
  if (error instanceof TurnqError) return error;
  return new TurnqError("STATE_STORE_FAILED", {
    actor: actorKey2,
    message: `state store: ${error instanceof Error ? error.message : String(error)}`,
    cause: error
  });
}
async function createRedisStateStore(url, namespace) {
  let redis;
  try {
    redis = await openRedis(url, "command");
  } catch (error) {
    throw new TurnqError("STATE_STORE_FAILED", { message: `state store: cannot reach Redis at ${url}: ${String(error)}`, cause: error });
  }
  return new RedisStateStore(redis, namespace);
}
var SAVE_SCRIPT, STORE_RETRY_MS, RedisStateStore;
var init_redis_state_store = __esm({
  "src/state/redis-state-store.ts"() {
    "use strict";
    init_turnq_error();
    init_ids();
    init_redis_connection();
    init_redis_keys();
    init_state_store();
    SAVE_SCRIPT = luaScript(
      "turnq-save-state",
      `local newest = 0
if redis.call('HGET', KEYS[1], 'write') == ARGV[4] then return {1, newest} end
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
if #ARGV > 4 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 5))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
end
return {0, newest}`
    );
    STORE_RETRY_MS = 1e4;
    RedisStateStore = class {
      kind = "redis";
      namespace;
      #redis;
      #closed = false;
      constructor(redis, namespace) {
        this.#redis = redis;
        this.namespace = namespace;
      }
      async load(actorKey2) {
        try {
          const results = await retrying(
            () => this.#redis.multi().hget(redisKeys.state(this.namespace, actorKey2), "json").lrange(redisKeys.handled(this.namespace, actorKey2), 0, -1).exec()
          );
          if (results === null) throw new Error("transaction aborted");
          const [stateResult, handledResult] = results;
          if (stateResult?.[0] != null) throw stateResult[0];
          if (handledResult?.[0] != null) throw handledResult[0];
          const json = stateResult?.[1];
          const entries = handledResult?.[1] ?? [];
          const handled = entries.map((text) => {
            const entry = JSON.parse(text);
            return { messageId: entry.id, reply: entry.reply };
          });
          return { json: typeof json === "string" ? json : void 0, handled };
        } catch (error) {
          throw storeFailed(actorKey2, error);
        }
      }
      async save(actorKey2, write) {
        const ns = this.namespace;
        const fence = write.fence;
        const entries = write.handled.slice(-HANDLED_RECORD_LIMIT).map((h) => JSON.stringify({ id: h.messageId, reply: h.reply }));
        let result;
        try {
          const writeId = randomId();
          result = await retrying(
            () => runScript(
              this.#redis,
              SAVE_SCRIPT,
              [redisKeys.state(ns, actorKey2), redisKeys.handled(ns, actorKey2), redisKeys.fence(ns, fence?.scope ?? "-")],
              [write.json, HANDLED_RECORD_LIMIT, fence === void 0 ? "" : fence.epoch, writeId, ...entries]
            )
          );
        } catch (error) {
          throw storeFailed(actorKey2, error);
        }
        const [code, newest] = result;
        if (code === -1) {
          throw new TurnqError("STATE_FENCED", {
            actor: actorKey2,
            message: `state of ${actorKey2} not written: epoch ${String(fence?.epoch)} of ${String(fence?.scope)} is older than ${newest}`,
            details: { scope: fence?.scope, epoch: fence?.epoch, newest }
          });
        }
      }
      /** The stored state of an actor, parsed (tests and tools). */
      async peek(actorKey2) {
        const json = await this.#redis.hget(redisKeys.state(this.namespace, actorKey2), "json");
        return json === null ? void 0 : JSON.parse(json);
      }
      async close() {
        if (this.#closed) return;
        this.#closed = true;
        await closeRedis(this.#redis);
      }
    };
  }
});

// src/actor/actor.ts
var ACTOR_LINK = /* @__PURE__ */ Symbol("turnq.actor-link");
var Actor = class {
  /** The actor's state; JSON-serializable. */
  state;
  [ACTOR_LINK];
  get id() {
    return this[ACTOR_LINK].id;
  }
  /** `Type/id`. */
  get key() {
    return this[ACTOR_LINK].key;
  }
  /** The chain of the turn running now (undefined outside a turn, e.g. in `onActivate`). */
  get turn() {
    return this[ACTOR_LINK].turnInfo();
  }
  /** A logger bound to the current turn: actor key, method, reentrancy id and depth on every line. */
  get log() {
    return this[ACTOR_LINK].logger();
  }
  /** State of a fresh actor that has nothing stored yet. */
  initialState() {
    return {};
  }
  /** Called once after the state is loaded, before the first turn. */
  onActivate() {
  }
  /** Called when the actor is deactivated (idle, or the worker drains); the state is saved after it. */
  onDeactivate() {
  }
  /** A proxy to call another actor (or this one) as part of the current call chain. */
  actor(type, id, options) {
    return this[ACTOR_LINK].proxy(type, id, options, false);
  }
  /** A proxy for one-way sends: the target runs in a chain of its own and nothing waits for it. */
  send(type, id, options) {
    return this[ACTOR_LINK].proxy(type, id, options, true);
  }
  /**
   * A timer of this activation. Each callback takes the actor's lock like a call and starts a call chain
   * of its own, so it may call other actors that call back into this one.
   */
  registerTimer(name, callback, options) {
    this[ACTOR_LINK].registerTimer(name, callback, options);
  }
  unregisterTimer(name) {
    return this[ACTOR_LINK].unregisterTimer(name);
  }
  /** @internal */
  initialStateForRuntime() {
    return this.initialState();
  }
};

// src/actor/actor-registry.ts
init_turnq_error();
var ACTOR_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
var BASE_NAMES = /* @__PURE__ */ new Set([...Object.getOwnPropertyNames(Actor.prototype), ...Object.getOwnPropertyNames(Object.prototype)]);
function publicMethods(cls) {
  const methods = /* @__PURE__ */ new Set();
  for (let proto = cls.prototype; proto !== null && proto !== Actor.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (BASE_NAMES.has(name) || name.startsWith("_")) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value === "function") methods.add(name);
    }
  }
  return methods;
}
function invalid(message) {
  return new TurnqError("ACTOR_DEFINITION_INVALID", { message });
}
var ActorRegistry = class {
  #types = /* @__PURE__ */ new Map();
  register(...classes) {
    for (const cls of classes) {
      if (!(cls.prototype instanceof Actor)) throw invalid(`${cls.name} does not extend Actor`);
      const type = Object.hasOwn(cls, "type") ? cls.type : void 0;
      if (typeof type !== "string" || !ACTOR_TYPE_PATTERN.test(type)) {
        throw invalid(`${cls.name} needs its own "static readonly type" matching ${ACTOR_TYPE_PATTERN.source}`);
      }
      const existing = this.#types.get(type);
      if (existing !== void 0 && existing.cls !== cls) throw invalid(`actor type ${type} is registered twice`);
      this.#types.set(type, { type, cls, methods: publicMethods(cls) });
    }
    return this;
  }
  get(type) {
    return this.#types.get(type);
  }
  types() {
    return [...this.#types.keys()];
  }
  /** Registers every exported actor class of a module. */
  registerModule(exports) {
    const found = [];
    for (const value of Object.values(exports)) {
      if (typeof value === "function" && value.prototype instanceof Actor) {
        this.register(value);
        found.push(value.type);
      }
    }
    return found;
  }
};

// src/config/duration.ts
init_turnq_error();
var UNIT_MS = { ms: 1, s: 1e3, m: 6e4, h: 36e5 };
var PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
function parseDuration(value, key) {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    PART.lastIndex = 0;
    let total = 0;
    let consumed = 0;
    for (let match = PART.exec(text); match !== null; match = PART.exec(text)) {
      total += Number(match[1]) * UNIT_MS[match[2]];
      consumed = PART.lastIndex;
    }
    if (consumed === text.length && consumed > 0) return total;
  }
  throw new TurnqError("CONFIG_INVALID", {
    message: `${key}: "${String(value)}" is not a duration (examples: 1h30m, 45s, 500ms)`,
    details: { key, value }
  });
}

// src/client/client.ts
init_turnq_error();
init_ids();
init_invocation();
init_sharding();

// src/client/actor-proxy.ts
function createProxy(invoke) {
  const cache = /* @__PURE__ */ new Map();
  return new Proxy(/* @__PURE__ */ Object.create(null), {
    get(_target, property) {
      if (typeof property !== "string" || property === "then") return void 0;
      let method = cache.get(property);
      if (method === void 0) {
        method = (...args) => invoke(property, args);
        cache.set(property, method);
      }
      return method;
    }
  });
}

// src/client/deadline-timer.ts
var BUCKET_MS = 10;
var DeadlineTimer = class {
  #buckets = /* @__PURE__ */ new Map();
  #onExpire;
  #timer;
  #armedFor = Number.POSITIVE_INFINITY;
  constructor(onExpire) {
    this.#onExpire = onExpire;
  }
  /** Returns the bucket to pass to `delete`. */
  add(key, deadline) {
    const bucket = Math.ceil(deadline / BUCKET_MS);
    let keys = this.#buckets.get(bucket);
    if (keys === void 0) {
      keys = /* @__PURE__ */ new Set();
      this.#buckets.set(bucket, keys);
    }
    keys.add(key);
    if (bucket < this.#armedFor) this.#arm(bucket);
    return bucket;
  }
  delete(key, bucket) {
    const keys = this.#buckets.get(bucket);
    if (keys === void 0) return;
    keys.delete(key);
    if (keys.size === 0) this.#buckets.delete(bucket);
  }
  #arm(bucket) {
    clearTimeout(this.#timer);
    this.#armedFor = bucket;
    this.#timer = setTimeout(
      () => {
        this.#fire();
      },
      Math.max(0, bucket * BUCKET_MS - Date.now())
    );
    this.#timer.unref();
  }
  #fire() {
    this.#timer = void 0;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [bucket, keys] of this.#buckets) {
      if (bucket * BUCKET_MS <= now) {
        this.#buckets.delete(bucket);
        for (const key of keys) this.#onExpire(key);
      } else if (bucket < next) {
        next = bucket;
      }
    }
    if (next !== Number.POSITIVE_INFINITY && next < this.#armedFor) this.#arm(next);
  }
  /** Keeps the process alive while calls wait (a CLI waiting for its one call must not exit). */
  get size() {
    return this.#buckets.size;
  }
  clear() {
    clearTimeout(this.#timer);
    this.#buckets.clear();
    this.#armedFor = Number.POSITIVE_INFINITY;
  }
};

// src/client/client.ts
var ROOT_STACK = Object.freeze([]);
var Client = class {
  clientId;
  #transport;
  #shardsFor;
  #callTimeout;
  #pending = /* @__PURE__ */ new Map();
  #deadlines = new DeadlineTimer((id) => {
    const pending = this.#pending.get(id);
    if (pending !== void 0) {
      this.#settle(
        id,
        new TurnqError("DEADLINE_EXCEEDED", {
          actor: pending.actor,
          message: `call ${pending.actor}.${pending.method} exceeded its deadline`
        })
      );
    }
  });
  /** Holds the event loop open while calls wait (the deadline timer itself does not). */
  #keepAlive;
  #endpoint;
  /** The reply address once the endpoint is open (saves a promise hop per call). */
  #address;
  #closed = false;
  constructor(options) {
    this.#transport = options.transport;
    this.#shardsFor = options.shardsFor;
    this.#callTimeout = options.callTimeout ?? 3e4;
    this.clientId = options.clientId ?? randomId();
  }
  /** Opens the reply address (done by the first call otherwise). */
  async start() {
    return (await this.#replies()).address;
  }
  #replies() {
    this.#endpoint ??= this.#transport.openReplies(this.clientId, (reply) => {
      this.#onReply(reply);
    }).then((endpoint) => {
      this.#address = endpoint.address;
      return endpoint;
    });
    return this.#endpoint;
  }
  /** `client.actor<Counter>('Counter', '42').add(1)`: resolves with the result or rejects with a TurnqError. */
  actor(type, id, options) {
    return createProxy((method, args) => this.call(type, id, method, args, options));
  }
  /** One-way: resolves once the transport accepted the message; the target runs in its own chain. */
  send(type, id, options) {
    return createProxy((method, args) => this.sendOneWay(type, id, method, args, options));
  }
  /** The reply address, once the client is started. */
  get replyAddress() {
    return this.#address;
  }
  /** A root call: starts a new call chain. */
  call(type, id, method, args, options) {
    const messageId = options?.messageId ?? randomId();
    const deadline = Date.now() + this.timeoutOf(options);
    const route = { lane: "shard", shard: shardOf(id, this.#shardsFor(type)) };
    const replyTo = this.#address;
    const invocation = replyTo === void 0 ? { messageId, actorType: type, actorId: id, method, args, reentrancyId: randomId(), stack: ROOT_STACK, depth: 1, deadline } : {
      messageId,
      actorType: type,
      actorId: id,
      method,
      args,
      reentrancyId: randomId(),
      stack: ROOT_STACK,
      depth: 1,
      deadline,
      replyTo
    };
    return this.invoke(invocation, route, options?.signal);
  }
  async sendOneWay(type, id, method, args, options) {
    this.#checkOpen();
    const invocation = {
      messageId: options?.messageId ?? randomId(),
      actorType: type,
      actorId: id,
      method,
      args,
      reentrancyId: randomId(),
      stack: ROOT_STACK,
      depth: 1,
      deadline: Date.now() + this.timeoutOf(options)
    };
    await this.#transport.publish(invocation, { lane: "shard", shard: shardOf(id, this.#shardsFor(type)) });
  }
  timeoutOf(options) {
    const timeout = options?.timeout;
    return timeout === void 0 ? this.#callTimeout : parseDuration(timeout, "timeout");
  }
  shardOf(type, id) {
    return shardOf(id, this.#shardsFor(type));
  }
  /**
   * Publishes a built invocation and waits for its reply until its deadline. `replyTo` is set to this
   * client's address (pass it already set, from `replyAddress`, to save a copy). Used for root calls and
   * for the nested calls of actors.
   */
  invoke(invocation, route, signal) {
    if (this.#closed) return Promise.reject(new TurnqError("TRANSPORT_CLOSED"));
    const actor = actorKey(invocation.actorType, invocation.actorId);
    if (signal?.aborted === true) return Promise.reject(new TurnqError("CALL_CANCELLED", { actor }));
    return new Promise((resolve, reject) => {
      const id = invocation.messageId;
      const pending = {
        resolve,
        reject,
        actor,
        method: invocation.method,
        cleanup: void 0,
        bucket: this.#deadlines.add(id, invocation.deadline)
      };
      this.#keepAlive ??= setInterval(() => void 0, 1 << 30);
      if (signal !== void 0) {
        const onAbort = () => {
          if (this.#settle(id, new TurnqError("CALL_CANCELLED", { actor }))) {
            this.#transport.broadcast({
              kind: "cancel",
              messageId: id,
              actorType: invocation.actorType,
              actorId: invocation.actorId,
              deadline: invocation.deadline
            }).catch(() => void 0);
          }
        };
        signal.addEventListener("abort", onAbort, { once: true });
        pending.cleanup = () => {
          signal.removeEventListener("abort", onAbort);
        };
      }
      this.#pending.set(id, pending);
      const address = this.#address;
      const published = address === void 0 ? this.#replies().then((endpoint) => this.#transport.publish({ ...invocation, replyTo: endpoint.address }, route)) : this.#transport.publish(invocation.replyTo === address ? invocation : { ...invocation, replyTo: address }, route);
      published.catch((error) => {
        this.#settle(
          id,
          error instanceof TurnqError ? error : new TurnqError("PUBLISH_FAILED", { actor, cause: error, message: String(error) })
        );
      });
    });
  }
  #onReply(reply) {
    if (reply.status === "ok") {
      this.#settle(reply.correlationId, void 0, reply.result);
    } else if (reply.error !== void 0) {
      this.#settle(reply.correlationId, TurnqError.fromWire(reply.error));
    }
  }
  /** Ends a pending call once; returns false if it had already ended. */
  #settle(id, error, result) {
    const pending = this.#pending.get(id);
    if (pending === void 0) return false;
    this.#pending.delete(id);
    this.#deadlines.delete(id, pending.bucket);
    if (this.#pending.size === 0 && this.#keepAlive !== void 0) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = void 0;
    }
    pending.cleanup?.();
    if (error === void 0) pending.resolve(result);
    else pending.reject(error);
    return true;
  }
  get pendingCalls() {
    return this.#pending.size;
  }
  #checkOpen() {
    if (this.#closed) throw new TurnqError("TRANSPORT_CLOSED");
  }
  /** Fails the calls still waiting with TRANSPORT_CLOSED and closes the reply address. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id, new TurnqError("TRANSPORT_CLOSED"));
    this.#deadlines.clear();
    if (this.#endpoint !== void 0) await (await this.#endpoint).close();
  }
};

// src/config/load-config.ts
init_turnq_error();
import { parse as parseYaml } from "yaml";

// src/config/config-schema.ts
var DEFAULT_CONFIG = {
  entities: [],
  modules: [],
  actorIdleTimeout: 60 * 6e4,
  actorScanInterval: 3e4,
  drainOngoingCallTimeout: 6e4,
  drainRebalancedActors: true,
  reentrancy: { enabled: false, maxStackDepth: 32 },
  shards: 4,
  mailbox: { softLimit: 1e3, hardLimit: 1e4 },
  longTurnWarning: 5e3,
  transport: "memory://",
  stateStore: "",
  namespace: "turnq",
  callTimeout: 3e4,
  prefetch: 64,
  maxMessageBytes: 1024 * 1024,
  logLevel: "info",
  entitiesConfig: []
};
var FIELD_KINDS = {
  entities: "strings",
  modules: "strings",
  actorIdleTimeout: "duration",
  actorScanInterval: "duration",
  drainOngoingCallTimeout: "duration",
  drainRebalancedActors: "boolean",
  "reentrancy.enabled": "boolean",
  "reentrancy.maxStackDepth": "positive",
  shards: "positive",
  "mailbox.softLimit": "positive",
  "mailbox.hardLimit": "positive",
  longTurnWarning: "duration",
  transport: "string",
  stateStore: "string",
  namespace: "string",
  callTimeout: "duration",
  prefetch: "positive",
  maxMessageBytes: "positive",
  logLevel: "level"
};
var PER_TYPE_KEYS = /* @__PURE__ */ new Set([
  "actorIdleTimeout",
  "drainOngoingCallTimeout",
  "reentrancy.enabled",
  "reentrancy.maxStackDepth",
  "shards",
  "mailbox.softLimit",
  "mailbox.hardLimit",
  "longTurnWarning"
]);
var LOG_LEVELS = /* @__PURE__ */ new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

// src/config/load-config.ts
function bad(key, value, expected) {
  return new TurnqError("CONFIG_INVALID", {
    message: `${key}: ${JSON.stringify(value)} is not valid (expected ${expected})`,
    details: { key, value }
  });
}
function coerce(kind, key, value) {
  switch (kind) {
    case "duration":
      return parseDuration(value, key);
    case "positive":
    case "count": {
      const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n) || n < (kind === "positive" ? 1 : 0)) {
        throw bad(key, value, kind === "positive" ? "a whole number of at least 1" : "a whole number");
      }
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw bad(key, value, "true or false");
    case "string":
      if (typeof value !== "string") throw bad(key, value, "a string");
      return value;
    case "strings": {
      const list = typeof value === "string" ? value.split(",").map((s2) => s2.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || !list.every((s2) => typeof s2 === "string" && s2.length > 0)) {
        throw bad(key, value, "a list of non-empty strings");
      }
      return list;
    }
    case "level":
      if (typeof value !== "string" || !LOG_LEVELS.has(value)) throw bad(key, value, [...LOG_LEVELS].join(", "));
      return value;
  }
}
function flatten(raw, where, allowed, prefix = "") {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(where || "config", raw, "a mapping");
  const out = [];
  for (const [name, value] of Object.entries(raw)) {
    const key = prefix + name;
    if (allowed(key)) {
      out.push([key, value]);
    } else if (typeof value === "object" && value !== null && !Array.isArray(value) && [...Object.keys(FIELD_KINDS)].some((k) => k.startsWith(`${key}.`))) {
      out.push(...flatten(value, where, allowed, `${key}.`));
    } else {
      throw new TurnqError("CONFIG_INVALID", { message: `${where}${key}: unknown key`, details: { key } });
    }
  }
  return out;
}
function setPath(target, key, value) {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}
function validateOverride(raw, index) {
  const where = `entitiesConfig[${index}].`;
  const entries = flatten(raw, where, (k) => k === "entities" || PER_TYPE_KEYS.has(k));
  const out = {};
  for (const [key, value] of entries) {
    setPath(out, key, coerce(FIELD_KINDS[key] ?? "strings", where + key, value));
  }
  if (!Array.isArray(out.entities) || out.entities.length === 0) throw bad(`${where}entities`, out.entities, "a list of actor types");
  return out;
}
function applyLayer(config2, raw, where) {
  const entries = flatten(raw, where, (k) => k in FIELD_KINDS || k === "entitiesConfig");
  for (const [key, value] of entries) {
    if (key === "entitiesConfig") {
      if (!Array.isArray(value)) throw bad("entitiesConfig", value, "a list");
      config2.entitiesConfig = value.map(validateOverride);
    } else {
      setPath(config2, key, coerce(FIELD_KINDS[key], key, value));
    }
  }
}
function checkLimits(config2) {
  const all = [config2, ...config2.entitiesConfig.map((e) => ({ ...config2, ...e, mailbox: { ...config2.mailbox, ...e.mailbox } }))];
  for (const c2 of all) {
    if (c2.mailbox.softLimit > c2.mailbox.hardLimit) {
      throw bad("mailbox.softLimit", c2.mailbox.softLimit, `at most mailbox.hardLimit (${c2.mailbox.hardLimit})`);
    }
  }
}
function resolveConfig(layers, baseDir) {
  const config2 = structuredClone(DEFAULT_CONFIG);
  for (const { raw, where } of layers) {
    if (raw !== void 0 && raw !== null) applyLayer(config2, raw, where);
  }
  const resolved = config2;
  checkLimits(resolved);
  return { ...resolved, baseDir };
}
function settingsFor(config2, type) {
  const settings = {
    actorIdleTimeout: config2.actorIdleTimeout,
    drainOngoingCallTimeout: config2.drainOngoingCallTimeout,
    reentrancy: { ...config2.reentrancy },
    shards: config2.shards,
    mailbox: { ...config2.mailbox },
    longTurnWarning: config2.longTurnWarning
  };
  for (const entry of config2.entitiesConfig) {
    if (!entry.entities.includes(type)) continue;
    if (entry.actorIdleTimeout !== void 0) settings.actorIdleTimeout = entry.actorIdleTimeout;
    if (entry.drainOngoingCallTimeout !== void 0) settings.drainOngoingCallTimeout = entry.drainOngoingCallTimeout;
    if (entry.shards !== void 0) settings.shards = entry.shards;
    if (entry.longTurnWarning !== void 0) settings.longTurnWarning = entry.longTurnWarning;
    Object.assign(settings.reentrancy, entry.reentrancy);
    Object.assign(settings.mailbox, entry.mailbox);
  }
  return settings;
}

// src/index.ts
init_error_codes();
init_turnq_error();

// src/events/runtime-events.ts
import { Subject } from "rxjs";
var RuntimeEvents = class {
  #subject = new Subject();
  get observed() {
    return this.#subject.observed;
  }
  get stream() {
    return this.#subject.asObservable();
  }
  emit(event) {
    this.#subject.next(event);
  }
  complete() {
    this.#subject.complete();
  }
};

// src/index.ts
init_logger();
init_headers();
init_codec();
init_sharding();

// src/runtime/actor-host.ts
init_turnq_error();
init_logger();
init_ids();
init_invocation();

// src/state/memory-state-store.ts
init_state_store();
var MemoryStateStore = class {
  kind = "memory";
  #records = /* @__PURE__ */ new Map();
  load(actorKey2) {
    const record = this.#records.get(actorKey2);
    if (record === void 0) return Promise.resolve({ json: void 0, handled: [] });
    const from = Math.max(0, record.ids.length - HANDLED_RECORD_LIMIT);
    const handled = [];
    for (let i2 = from; i2 < record.ids.length; i2++) handled.push({ messageId: record.ids[i2], reply: record.replies[i2] ?? null });
    return Promise.resolve({ json: record.json, handled });
  }
  save(actorKey2, write) {
    let record = this.#records.get(actorKey2);
    if (record === void 0) {
      record = { json: write.json, ids: [], replies: [] };
      this.#records.set(actorKey2, record);
    }
    record.json = write.json;
    for (const handled of write.handled) {
      record.ids.push(handled.messageId);
      record.replies.push(handled.reply);
    }
    if (record.ids.length >= 2 * HANDLED_RECORD_LIMIT) {
      record.ids = record.ids.slice(-HANDLED_RECORD_LIMIT);
      record.replies = record.replies.slice(-HANDLED_RECORD_LIMIT);
    }
    return Promise.resolve();
  }
  /** The stored state of an actor, parsed (tests and tools). */
  peek(actorKey2) {
    const record = this.#records.get(actorKey2);
    return record === void 0 ? void 0 : JSON.parse(record.json);
  }
  close() {
    return Promise.resolve();
  }
};

// src/runtime/activation.ts
init_turnq_error();
init_ids();

// src/runtime/handled-record.ts
init_state_store();
var NO_REPLY = /* @__PURE__ */ Symbol("no-reply");
var HANDLED_IN_MEMORY = 32;
function idKey(id) {
  let high = 0;
  let ok = id.length >= 13;
  for (let i2 = 0; ok && i2 < 13; i2++) {
    const c2 = id.charCodeAt(i2);
    const digit = c2 >= 48 && c2 <= 57 ? c2 - 48 : c2 >= 97 && c2 <= 102 ? c2 - 87 : -1;
    if (digit < 0) ok = false;
    else high = high * 16 + digit;
  }
  if (ok) return high;
  let a = 2166136261;
  let b = 16777619;
  for (let i2 = 0; i2 < id.length; i2++) {
    a = Math.imul(a ^ id.charCodeAt(i2), 16777619);
    b = Math.imul(b ^ id.charCodeAt(i2), 1540483477);
  }
  return (a >>> 0) * 1048576 + (b >>> 0 & 1048575);
}
var HandledRecord = class _HandledRecord {
  constructor(capacity = HANDLED_IN_MEMORY) {
    this.capacity = capacity;
    this.#keys = new Float64Array(capacity);
  }
  capacity;
  #keys;
  #results = [];
  #size = 0;
  #next = 0;
  #unsavedIds = [];
  #unsavedResults = [];
  static from(handled, capacity = HANDLED_IN_MEMORY) {
    const record = new _HandledRecord(capacity);
    for (const h of handled.slice(-capacity)) record.#put(idKey(h.messageId), h.reply === null ? NO_REPLY : h.reply.result);
    return record;
  }
  /** Index of `messageId`, or -1. */
  indexOf(messageId) {
    const key = idKey(messageId);
    const keys = this.#keys;
    for (let i2 = 0; i2 < this.#size; i2++) if (keys[i2] === key) return i2;
    return -1;
  }
  resultAt(index) {
    return this.#results[index];
  }
  #put(key, result) {
    this.#keys[this.#next] = key;
    this.#results[this.#next] = result;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }
  add(messageId, result) {
    this.#put(idKey(messageId), result);
    this.#unsavedIds.push(messageId);
    this.#unsavedResults.push(result);
    if (this.#unsavedIds.length > 2 * HANDLED_RECORD_LIMIT) {
      this.#unsavedIds = this.#unsavedIds.slice(-HANDLED_RECORD_LIMIT);
      this.#unsavedResults = this.#unsavedResults.slice(-HANDLED_RECORD_LIMIT);
    }
  }
  /** The messages handled since the last call, oldest first, as the store records them. */
  takeUnsaved() {
    const ids = this.#unsavedIds;
    const results = this.#unsavedResults;
    if (ids.length === 0) return [];
    this.#unsavedIds = [];
    this.#unsavedResults = [];
    const from = Math.max(0, ids.length - HANDLED_RECORD_LIMIT);
    const out = [];
    for (let i2 = from; i2 < ids.length; i2++) {
      const messageId = ids[i2];
      const result = results[i2];
      out.push({ messageId, reply: result === NO_REPLY ? null : { correlationId: messageId, status: "ok", result } });
    }
    return out;
  }
};

// src/runtime/mailbox.ts
var Mailbox = class {
  #items = [];
  #head = 0;
  get length() {
    return this.#items.length - this.#head;
  }
  push(item) {
    this.#items.push(item);
  }
  peek() {
    return this.#items[this.#head];
  }
  shift() {
    if (this.#head >= this.#items.length) return void 0;
    const item = this.#items[this.#head];
    this.#items[this.#head] = void 0;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return item;
  }
  /** Removes and returns the first item matching `predicate`; the others keep their order. */
  remove(predicate) {
    for (let i2 = this.#head; i2 < this.#items.length; i2++) {
      const item = this.#items[i2];
      if (predicate(item)) {
        this.#items.splice(i2, 1);
        return item;
      }
    }
    return void 0;
  }
  /** Removes everything, returning it in order. */
  drain() {
    const items = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return items;
  }
};

// src/runtime/turn-context.ts
import { AsyncLocalStorage } from "node:async_hooks";
var turnStorage = new AsyncLocalStorage();

// src/runtime/activation.ts
var NO_DEADLINE = Number.MAX_SAFE_INTEGER;
var Activation = class {
  id;
  key;
  instance;
  status = "loading";
  lastUsed = Date.now();
  type;
  #host;
  #settings;
  /** Reentrancy id of the chain holding the lock, or null. */
  #holder = null;
  /** Turns of the holder running now (more than one only for reentrant types). */
  #running = 0;
  /** The running turn of a non-reentrant type (used to recognise cycles). */
  #currentTurn = null;
  /** Context of the turn that took the lock (see turn-context.ts). */
  #lockContext;
  #saving = false;
  #queue = null;
  #softWarned = false;
  /** JSON of the state as last saved (or as loaded). */
  #committed = "";
  /** True while the state is known to equal `#committed` (so a turn's snapshot costs nothing). */
  #synced = false;
  #handled = null;
  #deferredAcks = null;
  #fence;
  #timers = null;
  constructor(host, entry, settings, id, key) {
    this.#host = host;
    this.type = entry.type;
    this.#settings = settings;
    this.id = id;
    this.key = key;
    this.instance = new entry.cls();
    this.instance[ACTOR_LINK] = this;
  }
  get locked() {
    return this.#holder !== null || this.#saving;
  }
  get waiting() {
    return this.#queue?.length ?? 0;
  }
  /** Loads the state and runs `onActivate`, then serves what waits. Never rejects. */
  async activate() {
    try {
      const loaded = await this.#host.store.load(this.key);
      const state = loaded.json === void 0 ? this.instance.initialStateForRuntime() : JSON.parse(loaded.json);
      this.instance.state = state;
      this.#committed = JSON.stringify(state) ?? "null";
      if (loaded.handled.length > 0) this.#handled = HandledRecord.from(loaded.handled);
      await this.instance.onActivate();
    } catch (error) {
      this.status = "failed";
      this.#host.logger.error({ err: error, actor: this.key }, "actor activation failed");
      for (const work of this.#queue?.drain() ?? []) {
        this.#reject(work, "ACTOR_ACTIVATION_FAILED", { message: `activation of ${this.key} failed: ${String(error)}` });
      }
      this.#host.settled();
      return;
    }
    this.status = "ready";
    const events = this.#host.events;
    if (events.observed) events.emit({ type: "activated", actor: this.key, worker: this.#host.workerId });
    this.#pump();
  }
  /** Entry point of every message and timer callback for this actor. */
  deliver(work) {
    const inv = work.inv;
    if (this.#handled !== null && this.#handled.indexOf(inv.messageId) >= 0) {
      this.#replayHandled(work);
      return;
    }
    const reentrancy = this.#settings.reentrancy;
    if (inv.depth > reentrancy.maxStackDepth) {
      this.#reject(work, "ACTOR_STACK_DEPTH", { details: { depth: inv.depth, maxStackDepth: reentrancy.maxStackDepth } });
      return;
    }
    if (this.#host.isCancelled(inv.messageId)) {
      this.#reject(work, "CALL_CANCELLED");
      return;
    }
    if (Date.now() > inv.deadline) {
      this.#reject(work, "DEADLINE_EXCEEDED");
      return;
    }
    if (this.#holder === inv.reentrancyId && !this.#saving && this.status === "ready") {
      if (reentrancy.enabled) {
        this.#emitTurnEvent("reentered", work);
        void this.#runTurn(work, true);
        return;
      }
      const cycle = this.#cycle(inv);
      if (cycle !== void 0) {
        this.#reject(work, "ACTOR_CALL_CYCLE", {
          message: `call cycle into non-reentrant actor ${this.key} can never finish: ${cycle}`,
          details: { cycle }
        });
        return;
      }
    } else if (work.lane === "priority") {
      this.#reject(work, "REENTRANCY_LOCK_NOT_HELD", {
        message: `${this.key} is not locked by chain ${inv.reentrancyId} on worker ${this.#host.workerId}`
      });
      return;
    }
    if (this.status === "ready" && !this.locked && this.waiting === 0 && this.#admissible(inv)) {
      this.#acquire(work);
      return;
    }
    this.#enqueue(work);
  }
  /** Removes a waiting call; answers it with CALL_CANCELLED. */
  cancel(messageId) {
    const work = this.#queue?.remove((w) => w.inv.messageId === messageId);
    if (work === void 0) return false;
    this.#reject(work, "CALL_CANCELLED");
    this.#afterQueueChange();
    return true;
  }
  /** `A/1.run -> B/1.ping -> A/1.pong` when the message's own stack holds this actor's lock. */
  #cycle(inv) {
    const start = inv.stack.findIndex((frame) => frame.actor === this.key && frame.turn === this.#currentTurn);
    if (start < 0) return void 0;
    return [...inv.stack.slice(start).map((f) => `${f.actor}.${f.method}`), `${this.key}.${inv.method}`].join(" -> ");
  }
  /** While draining, only chains already running on this worker may take a lock. */
  #admissible(inv) {
    return !this.#host.draining || this.#host.isChainActive(inv.reentrancyId);
  }
  #enqueue(work) {
    const queue = this.#queue ??= new Mailbox();
    const { softLimit, hardLimit } = this.#settings.mailbox;
    if (queue.length >= hardLimit) {
      this.#reject(work, "ACTOR_OVERLOADED", { message: `${this.key} has ${queue.length} waiting calls (hard limit ${hardLimit})` });
      return;
    }
    queue.push(work);
    work.delivery?.park();
    if (queue.length > softLimit && !this.#softWarned) {
      this.#softWarned = true;
      this.#host.logger.warn({ actor: this.key, waiting: queue.length, softLimit }, "actor mailbox above its soft limit");
    }
    this.#emitTurnEvent("waited", work);
  }
  #acquire(work) {
    this.#holder = work.inv.reentrancyId;
    this.#host.chainLocked(this.#holder, 1);
    void this.#runTurn(work, false);
  }
  /** Runs one turn; never rejects. */
  async #runTurn(work, reentrant) {
    const inv = work.inv;
    this.#running++;
    const turn = this.#host.nextTurnId();
    if (!reentrant) this.#currentTurn = turn;
    if (work.delivery?.fence !== void 0) this.#fence = work.delivery.fence;
    const context = {
      reentrancyId: inv.reentrancyId,
      stack: inv.stack,
      frame: { actor: this.key, method: inv.method, turn, worker: this.#host.workerId },
      depth: inv.depth,
      deadline: inv.deadline,
      logger: void 0,
      running: true
    };
    if (!reentrant) this.#lockContext = context;
    const events = this.#host.events;
    if (events.observed) events.emit({ type: "turn-started", turn, reentrant, ...this.#turnFields(work) });
    const snapshot = !reentrant && this.#synced ? this.#committed : JSON.stringify(this.instance.state) ?? "null";
    this.#synced = false;
    const started = performance.now();
    let reply;
    try {
      const result = reentrant ? await turnStorage.run(context, () => this.#invoke(work)) : await this.#invoke(work);
      reply = { correlationId: inv.messageId, status: "ok", result };
    } catch (error) {
      this.instance.state = JSON.parse(snapshot);
      reply = { correlationId: inv.messageId, status: "error", error: toWireError(error, this.key) };
    }
    context.running = false;
    if (this.#lockContext === context) this.#lockContext = void 0;
    const durationMs = performance.now() - started;
    if (durationMs > this.#settings.longTurnWarning) {
      this.#host.logger.warn(
        { actor: this.key, method: inv.method, reentrancyId: inv.reentrancyId, depth: inv.depth, durationMs },
        "long turn"
      );
    }
    if (events.observed) {
      events.emit({
        type: "turn-ended",
        turn,
        status: reply.status,
        ...reply.error === void 0 ? {} : { code: reply.error.code },
        durationMs,
        ...this.#turnFields(work)
      });
    }
    this.#running--;
    if (reply.status === "ok" && work.timer === void 0) this.#remember(inv, reply);
    if (this.#running > 0) {
      this.#sendReply(work, reply);
      if (work.delivery !== void 0) (this.#deferredAcks ??= []).push(work.delivery);
      return;
    }
    this.#saving = true;
    const failure = await this.#save();
    this.#saving = false;
    if (failure !== void 0) {
      this.instance.state = JSON.parse(this.#committed);
      this.#synced = true;
      reply = { correlationId: inv.messageId, status: "error", error: failure.toWire() };
    }
    this.#sendReply(work, reply);
    work.delivery?.ack();
    if (this.#deferredAcks !== null) {
      for (const delivery of this.#deferredAcks) delivery.ack();
      this.#deferredAcks = null;
    }
    this.#host.chainLocked(inv.reentrancyId, -1);
    this.#holder = null;
    this.#currentTurn = null;
    this.#pump();
  }
  #invoke(work) {
    if (work.timer !== void 0) return work.timer.callback.call(this.instance);
    const method = this.instance[work.inv.method];
    return method.apply(this.instance, work.inv.args);
  }
  #remember(inv, reply) {
    (this.#handled ??= new HandledRecord()).add(inv.messageId, inv.replyTo === void 0 ? NO_REPLY : reply.result);
  }
  /** Saves the state if it changed since the last save; returns the failure instead of throwing. */
  async #save() {
    const json = JSON.stringify(this.instance.state) ?? "null";
    if (json === this.#committed) {
      this.#synced = true;
      return void 0;
    }
    try {
      const handled = this.#handled?.takeUnsaved() ?? [];
      await this.#host.store.save(this.key, this.#fence === void 0 ? { json, handled } : { json, handled, fence: this.#fence });
      this.#committed = json;
      this.#synced = true;
      return void 0;
    } catch (error) {
      this.#host.logger.error({ err: error, actor: this.key }, "saving actor state failed");
      return error instanceof TurnqError ? error : new TurnqError("STATE_STORE_FAILED", { actor: this.key, message: String(error), cause: error });
    }
  }
  #pump() {
    const queue = this.#queue;
    while (queue !== null && queue.length > 0 && this.status === "ready" && !this.locked) {
      const next = queue.peek();
      if (!this.#admissible(next.inv)) break;
      queue.shift();
      next.delivery?.unpark();
      const id = next.inv.messageId;
      if (this.#handled !== null && this.#handled.indexOf(id) >= 0) this.#replayHandled(next);
      else if (this.#host.isCancelled(id)) this.#reject(next, "CALL_CANCELLED");
      else if (Date.now() > next.inv.deadline) this.#reject(next, "DEADLINE_EXCEEDED");
      else this.#acquire(next);
    }
    this.#afterQueueChange();
  }
  #afterQueueChange() {
    const waiting = this.waiting;
    if (waiting === 0) this.#queue = null;
    if (waiting <= this.#settings.mailbox.softLimit) this.#softWarned = false;
    if (!this.locked) {
      if (waiting === 0) this.lastUsed = Date.now();
      this.#host.settled();
    }
  }
  #sendReply(work, reply) {
    const address = work.inv.replyTo;
    if (address !== void 0 && work.delivery !== void 0) this.#host.sendReply(address, reply);
  }
  #replayHandled(work) {
    const index = this.#handled?.indexOf(work.inv.messageId) ?? -1;
    const result = this.#handled?.resultAt(index);
    if (result !== NO_REPLY) this.#sendReply(work, { correlationId: work.inv.messageId, status: "ok", result });
    work.delivery?.ack();
  }
  #reject(work, code, options = {}) {
    const error = new TurnqError(code, { ...options, actor: this.key });
    const events = this.#host.events;
    if (events.observed) events.emit({ type: "rejected", code, ...this.#turnFields(work) });
    if (work.delivery === void 0) {
      this.#host.logger.warn({ actor: this.key, method: work.inv.method, code }, "timer callback not run");
      return;
    }
    this.#sendReply(work, { correlationId: work.inv.messageId, status: "error", error: error.toWire() });
    work.delivery.ack();
  }
  #turnFields(work) {
    const inv = work.inv;
    return {
      actor: this.key,
      method: inv.method,
      messageId: inv.messageId,
      reentrancyId: inv.reentrancyId,
      depth: inv.depth,
      callers: inv.stack.length,
      worker: this.#host.workerId
    };
  }
  #emitTurnEvent(type, work) {
    const events = this.#host.events;
    if (!events.observed) return;
    if (type === "waited") events.emit({ type, queueLength: this.waiting, ...this.#turnFields(work) });
    else events.emit({ type, ...this.#turnFields(work) });
  }
  // ---- idle deactivation and drain ----
  canDeactivate(now) {
    return this.status === "ready" && !this.locked && this.waiting === 0 && now - this.lastUsed >= this.#settings.actorIdleTimeout;
  }
  /** Runs `onDeactivate` and saves the state. Call only when `canDeactivate` (or draining and unlocked). */
  async deactivate(reason) {
    this.status = "deactivating";
    this.stopTimers();
    try {
      await turnStorage.exit(() => this.instance.onDeactivate());
    } catch (error) {
      this.#host.logger.error({ err: error, actor: this.key }, "onDeactivate threw");
    }
    const failure = await this.#save();
    if (failure !== void 0) this.#host.logger.error({ code: failure.code, actor: this.key }, "state not saved on deactivation");
    this.status = "gone";
    const events = this.#host.events;
    if (events.observed) events.emit({ type: "deactivated", actor: this.key, worker: this.#host.workerId, reason });
  }
  /** Messages that arrived while deactivating, for the next activation. */
  takeWaiting() {
    const works = this.#queue?.drain() ?? [];
    this.#queue = null;
    return works;
  }
  // ---- timers ----
  registerTimer(name, callback, options) {
    const due = parseDuration(options.dueTime, `timer ${name} dueTime`);
    const period = options.period === void 0 ? void 0 : parseDuration(options.period, `timer ${name} period`);
    this.unregisterTimer(name);
    const timers = this.#timers ??= /* @__PURE__ */ new Map();
    const fire = () => {
      if (this.status !== "ready" || this.#host.draining) return;
      if (period === void 0) timers.delete(name);
      else timers.set(name, setTimeout(fire, period).unref());
      const reentrancyId = randomId();
      const events = this.#host.events;
      if (events.observed) events.emit({ type: "timer-fired", actor: this.key, timer: name, reentrancyId, worker: this.#host.workerId });
      const inv = {
        messageId: randomId(),
        actorType: this.type,
        actorId: this.id,
        method: `timer:${name}`,
        args: [],
        reentrancyId,
        stack: [],
        depth: 1,
        deadline: NO_DEADLINE
      };
      this.deliver({ inv, lane: "shard", delivery: void 0, timer: { name, callback } });
    };
    timers.set(name, setTimeout(fire, due).unref());
  }
  unregisterTimer(name) {
    const timer = this.#timers?.get(name);
    if (timer === void 0) return false;
    clearTimeout(timer);
    this.#timers?.delete(name);
    return true;
  }
  stopTimers() {
    for (const timer of this.#timers?.values() ?? []) clearTimeout(timer);
    this.#timers = null;
  }
  // ---- what the actor instance reaches (ActorLink) ----
  #ownContext() {
    const context = turnStorage.getStore();
    if (context !== void 0 && context.running && context.frame.actor === this.key) return context;
    return this.#lockContext;
  }
  proxy(type, id, options, oneWay) {
    return createProxy((method, args) => this.#host.outbound(this.#ownContext(), type, id, method, args, options, oneWay));
  }
  turnInfo() {
    const context = this.#ownContext();
    if (context === void 0) return void 0;
    return {
      method: context.frame.method,
      reentrancyId: context.reentrancyId,
      depth: context.depth,
      stack: context.stack,
      deadline: context.deadline
    };
  }
  logger() {
    const context = this.#ownContext();
    if (context === void 0) return this.#host.logger.child({ actor: this.key });
    context.logger ??= this.#host.logger.child({
      actor: this.key,
      method: context.frame.method,
      reentrancyId: context.reentrancyId,
      depth: context.depth,
      turn: context.frame.turn
    });
    return context.logger;
  }
};

// src/runtime/actor-host.ts
function shardCounter(config2) {
  const cache = /* @__PURE__ */ new Map();
  return (type) => {
    let shards = cache.get(type);
    if (shards === void 0) {
      shards = settingsFor(config2, type).shards;
      cache.set(type, shards);
    }
    return shards;
  };
}
var ActorHost = class {
  workerId;
  logger;
  events = new RuntimeEvents();
  store;
  client;
  config;
  draining = false;
  #transport;
  #types = /* @__PURE__ */ new Map();
  #activations = /* @__PURE__ */ new Map();
  /** Cancelled message ids not yet seen, with the deadline after which they can be forgotten. */
  #cancelled = /* @__PURE__ */ new Map();
  /** Locks held per chain on this worker. */
  #chains = /* @__PURE__ */ new Map();
  #subscription;
  #scanTimer;
  #quietWaiter;
  #stopped;
  #turnCounter = 0;
  constructor(options) {
    this.config = options.config;
    this.#transport = options.transport;
    this.workerId = options.workerId ?? `w-${randomId().slice(0, 12)}`;
    this.logger = (options.logger ?? silentLogger).child({ worker: this.workerId });
    this.store = options.store ?? new MemoryStateStore();
    this.client = options.client ?? new Client({ transport: options.transport, shardsFor: shardCounter(this.config), callTimeout: this.config.callTimeout });
    const wanted = this.config.entities.length > 0 ? this.config.entities : options.registry.types();
    for (const type of wanted) {
      const entry = options.registry.get(type);
      if (entry === void 0)
        throw new TurnqError("CONFIG_INVALID", {
          message: `entities: actor type ${type} is not registered`,
          details: { key: "entities", value: type }
        });
      this.#types.set(type, { entry, settings: settingsFor(this.config, type) });
    }
  }
  get hostedTypes() {
    return [...this.#types.keys()];
  }
  get activationCount() {
    return this.#activations.size;
  }
  async start() {
    await this.client.start();
    this.#subscription = await this.#transport.consume({
      workerId: this.workerId,
      types: [...this.#types.values()].map(({ entry, settings }) => ({ type: entry.type, shards: settings.shards })),
      prefetch: this.config.prefetch,
      onDelivery: (delivery) => {
        this.#onDelivery(delivery);
      },
      onControl: (message) => {
        this.#onControl(message);
      },
      onDeadLetter: (code, reason) => {
        this.logger.warn({ code, reason }, "message dead-lettered");
        if (this.events.observed) this.events.emit({ type: "dead-lettered", code, reason, worker: this.workerId });
      }
    });
    this.#scanTimer = setInterval(() => {
      this.collectIdle();
    }, this.config.actorScanInterval).unref();
    this.logger.info({ types: this.hostedTypes, transport: this.#transport.kind }, "worker started");
  }
  // ---- deliveries ----
  #onDelivery(delivery) {
    const inv = delivery.invocation;
    const hosted = this.#types.get(inv.actorType);
    const key = actorKey(inv.actorType, inv.actorId);
    if (hosted === void 0) {
      this.#invalid(
        delivery,
        new TurnqError("ACTOR_TYPE_UNKNOWN", { actor: key, message: `worker ${this.workerId} does not host actor type ${inv.actorType}` })
      );
      return;
    }
    if (!hosted.entry.methods.has(inv.method)) {
      this.#invalid(
        delivery,
        new TurnqError("ACTOR_METHOD_UNKNOWN", { actor: key, message: `actor type ${inv.actorType} has no method ${inv.method}` })
      );
      return;
    }
    this.#activationFor(hosted, inv.actorId, key).deliver({ inv, lane: delivery.lane, delivery, timer: void 0 });
  }
  #invalid(delivery, error) {
    const inv = delivery.invocation;
    if (inv.replyTo !== void 0) this.sendReply(inv.replyTo, { correlationId: inv.messageId, status: "error", error: error.toWire() });
    delivery.deadLetter(error);
    this.logger.warn({ code: error.code, actor: error.actor, method: inv.method }, "invalid message dead-lettered");
    if (this.events.observed) {
      const event = { type: "dead-lettered", code: error.code, reason: error.message, worker: this.workerId };
      this.events.emit(error.actor === void 0 ? event : { ...event, actor: error.actor });
    }
  }
  #activationFor(hosted, id, key) {
    let activation = this.#activations.get(key);
    if (activation === void 0 || activation.status === "failed" || activation.status === "gone") {
      activation = new Activation(this, hosted.entry, hosted.settings, id, key);
      this.#activations.set(key, activation);
      void activation.activate();
    }
    return activation;
  }
  #onControl(message) {
    if (message.kind !== "cancel") return;
    const activation = this.#activations.get(actorKey(message.actorType, message.actorId));
    if (activation?.cancel(message.messageId) !== true && this.#types.has(message.actorType)) {
      this.#cancelled.set(message.messageId, message.deadline);
    }
  }
  // ---- HostContext ----
  nextTurnId() {
    return (++this.#turnCounter).toString(36);
  }
  typeOf(type) {
    return this.#types.get(type);
  }
  sendReply(address, reply) {
    this.#transport.sendReply(address, reply).catch((error) => {
      this.logger.error({ err: error, correlationId: reply.correlationId }, "reply not sent");
    });
  }
  isCancelled(messageId) {
    return this.#cancelled.size > 0 && this.#cancelled.delete(messageId);
  }
  chainLocked(reentrancyId, delta) {
    const count = (this.#chains.get(reentrancyId) ?? 0) + delta;
    if (count > 0) this.#chains.set(reentrancyId, count);
    else this.#chains.delete(reentrancyId);
  }
  isChainActive(reentrancyId) {
    return this.#chains.has(reentrancyId);
  }
  outbound(context, type, id, method, args, options, oneWay) {
    if (oneWay) return this.client.sendOneWay(type, id, method, args, options);
    if (context === void 0) return this.client.call(type, id, method, args, options);
    const stack = [...context.stack, context.frame];
    const key = actorKey(type, id);
    const now = Date.now();
    let deadline = options?.timeout === void 0 ? context.deadline : Math.min(context.deadline, now + this.client.timeoutOf(options));
    if (deadline === Number.MAX_SAFE_INTEGER) deadline = now + this.config.callTimeout;
    let route = { lane: "shard", shard: this.client.shardOf(type, id) };
    for (let i2 = stack.length - 1; i2 >= 0; i2--) {
      const frame = stack[i2];
      if (frame?.actor === key) {
        route = { lane: "priority", worker: frame.worker };
        break;
      }
    }
    const invocation = {
      messageId: options?.messageId ?? randomId(),
      actorType: type,
      actorId: id,
      method,
      args,
      reentrancyId: context.reentrancyId,
      stack,
      depth: depthFor(key, stack),
      deadline
    };
    const replyTo = this.client.replyAddress;
    return this.client.invoke(replyTo === void 0 ? invocation : { ...invocation, replyTo }, route, options?.signal);
  }
  settled() {
    if (this.#quietWaiter !== void 0 && this.#isQuiet()) {
      const resolve = this.#quietWaiter;
      this.#quietWaiter = void 0;
      resolve();
    }
  }
  #isQuiet() {
    for (const activation of this.#activations.values()) if (activation.locked) return false;
    return true;
  }
  // ---- idle collection ----
  /** Deactivates every activation idle for longer than its type's `actorIdleTimeout`. */
  collectIdle(now = Date.now()) {
    for (const [id, deadline] of this.#cancelled) if (deadline < now) this.#cancelled.delete(id);
    let count = 0;
    for (const activation of this.#activations.values()) {
      if (activation.status === "failed") this.#activations.delete(activation.key);
      else if (activation.canDeactivate(now)) {
        count++;
        void this.#deactivate(activation, "idle");
      }
    }
    return count;
  }
  async #deactivate(activation, reason) {
    await activation.deactivate(reason);
    if (this.#activations.get(activation.key) === activation) this.#activations.delete(activation.key);
    const waiting = activation.takeWaiting().filter((work) => work.delivery !== void 0);
    if (waiting.length === 0) return;
    const hosted = this.#types.get(activation.type);
    if (hosted === void 0) return;
    const next = this.#activationFor(hosted, activation.id, activation.key);
    for (const work of waiting) next.deliver(work);
  }
  // ---- drain ----
  /**
   * Stops the worker (SIGTERM): no new chains start; running turns (and the reentrant calls of their
   * chains) get `drainOngoingCallTimeout` to finish when `drainRebalancedActors` is on; idle activations
   * are deactivated and saved; then consuming stops and every message not finished goes back to its
   * queue for the next owner of the shard.
   */
  stop() {
    this.#stopped ??= this.#drain();
    return this.#stopped;
  }
  async #drain() {
    this.draining = true;
    clearInterval(this.#scanTimer);
    for (const activation of this.#activations.values()) activation.stopTimers();
    if (this.config.drainRebalancedActors && !this.#isQuiet()) {
      const limit = Math.max(0, ...[...this.#types.values()].map((t2) => t2.settings.drainOngoingCallTimeout));
      let timer;
      await Promise.race([
        new Promise((resolve) => {
          this.#quietWaiter = resolve;
        }),
        new Promise((resolve) => {
          timer = setTimeout(resolve, limit);
        })
      ]);
      clearTimeout(timer);
      if (!this.#isQuiet()) this.logger.warn({ limit }, "drain timeout: turns still running are left to redelivery");
    }
    await Promise.all([...this.#activations.values()].filter((a) => a.status === "ready" && !a.locked).map((a) => a.deactivate("drain")));
    await this.#subscription?.close();
    await this.client.close();
    this.#activations.clear();
    this.logger.info("worker stopped");
    this.events.complete();
  }
};

// src/runtime/turnq.ts
init_logger();
init_turnq_error();

// src/transport/create-transport.ts
init_turnq_error();

// src/transport/memory/memory-transport.ts
init_turnq_error();
init_codec();
init_sharding();

// src/transport/memory/memory-broker.ts
var MemoryQueue = class {
  name;
  durable;
  consumers = [];
  #items = [];
  #head = 0;
  #scheduled = false;
  constructor(name, durable) {
    this.name = name;
    this.durable = durable;
  }
  get length() {
    return this.#items.length - this.#head;
  }
  push(entry) {
    this.#items.push(entry);
    this.schedule();
  }
  /** Puts entries back at the front, in their original order. */
  returnToFront(entries) {
    if (entries.length === 0) return;
    entries.sort((a, b) => a.seq - b.seq);
    for (const entry of entries) entry.redeliveries++;
    this.#items = [...entries, ...this.#items.slice(this.#head)];
    this.#head = 0;
    this.schedule();
  }
  schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }
  #dispatch() {
    const consumer = this.consumers[0];
    if (consumer === void 0) return;
    while (this.#head < this.#items.length && consumer.inFlight < consumer.prefetch && this.consumers[0] === consumer) {
      const entry = this.#items[this.#head];
      this.#head++;
      consumer.inFlight++;
      consumer.unacked.add(entry);
      consumer.deliver(entry);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
};
var MemoryBroker = class {
  queues = /* @__PURE__ */ new Map();
  replyEndpoints = /* @__PURE__ */ new Map();
  controlListeners = /* @__PURE__ */ new Set();
  deadLetters = [];
  #seq = 0;
  declare(name, durable) {
    let queue = this.queues.get(name);
    if (queue === void 0) {
      queue = new MemoryQueue(name, durable);
      this.queues.set(name, queue);
    }
    return queue;
  }
  enqueue(queue, message, invocation) {
    queue.push({ message, invocation, seq: this.#seq++, redeliveries: 0 });
  }
};

// src/transport/memory/memory-delivery.ts
var MemoryDelivery = class {
  invocation;
  lane;
  redeliveries;
  #parked = false;
  #settled = false;
  #queue;
  #consumer;
  #entry;
  #broker;
  #onDeadLetter;
  constructor(invocation, lane2, queue, consumer, entry, broker, onDeadLetter) {
    this.invocation = invocation;
    this.lane = lane2;
    this.redeliveries = entry.redeliveries;
    this.#queue = queue;
    this.#consumer = consumer;
    this.#entry = entry;
    this.#broker = broker;
    this.#onDeadLetter = onDeadLetter;
  }
  #settle() {
    if (this.#settled || !this.#consumer.unacked.delete(this.#entry)) return false;
    this.#settled = true;
    if (!this.#parked) this.#consumer.inFlight--;
    this.#queue.schedule();
    return true;
  }
  ack() {
    this.#settle();
  }
  requeue() {
    if (this.#settle()) this.#queue.returnToFront([this.#entry]);
  }
  deadLetter(error) {
    if (!this.#settle()) return;
    this.#broker.deadLetters.push({
      queue: this.#queue.name,
      message: this.#entry.message ?? this.invocation,
      code: error.code,
      reason: error.message
    });
    this.#onDeadLetter?.(error.code, error.message);
  }
  park() {
    if (this.#parked || this.#settled) return;
    this.#parked = true;
    this.#consumer.inFlight--;
    this.#queue.schedule();
  }
  unpark() {
    if (!this.#parked || this.#settled) return;
    this.#parked = false;
    this.#consumer.inFlight++;
  }
};

// src/transport/memory/memory-transport.ts
function jsonCopy(value, maxBytes) {
  if (typeof value === "string") return value;
  if (value === void 0 || value === null || typeof value === "number" || typeof value === "boolean") {
    return typeof value === "number" && !Number.isFinite(value) ? null : value ?? null;
  }
  if (Array.isArray(value) && value.length <= 8 && value.every(
    (v) => typeof v === "number" && Number.isFinite(v) || typeof v === "boolean" || v === null || typeof v === "string" && v.length < 256
  )) {
    return value.slice();
  }
  const text = JSON.stringify(value);
  if (text === void 0) return null;
  if (maxBytes !== void 0 && text.length > maxBytes) {
    throw new TurnqError("MESSAGE_TOO_LARGE", { message: `payload of ${text.length} characters exceeds the limit of ${maxBytes} bytes` });
  }
  return JSON.parse(text);
}
var MemoryTransport = class {
  kind = "memory";
  broker;
  namespace;
  #maxBytes;
  #closed = false;
  constructor(options = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.namespace = options.namespace ?? "turnq";
    this.#maxBytes = options.maxMessageBytes;
  }
  #checkOpen() {
    if (this.#closed) throw new TurnqError("TRANSPORT_CLOSED");
  }
  publish(invocation, route) {
    this.#checkOpen();
    const name = route.lane === "shard" ? names.shard(this.namespace, invocation.actorType, route.shard) : names.lane(this.namespace, route.worker);
    const queue = this.broker.queues.get(name);
    if (queue === void 0) {
      return Promise.reject(
        route.lane === "shard" ? new TurnqError("ACTOR_TYPE_UNKNOWN", {
          message: `no worker hosts actor type ${invocation.actorType}`,
          actor: `${invocation.actorType}/${invocation.actorId}`
        }) : new TurnqError("PUBLISH_UNROUTABLE", { message: `priority lane of worker ${route.worker} is gone` })
      );
    }
    let args;
    try {
      args = jsonCopy(invocation.args, this.#maxBytes);
    } catch (error) {
      return Promise.reject(
        error instanceof TurnqError ? error : new TurnqError("MESSAGE_UNDECODABLE", { message: `arguments are not JSON-serializable: ${String(error)}` })
      );
    }
    this.broker.enqueue(queue, void 0, { ...invocation, args });
    return Promise.resolve();
  }
  publishRaw(queueName, message) {
    this.#checkOpen();
    const queue = this.broker.queues.get(queueName);
    if (queue === void 0) return Promise.reject(new TurnqError("PUBLISH_UNROUTABLE", { message: `no queue ${queueName}` }));
    this.broker.enqueue(queue, message);
    return Promise.resolve();
  }
  openReplies(clientId, onReply) {
    this.#checkOpen();
    const address = names.reply(this.namespace, clientId);
    this.broker.replyEndpoints.set(address, onReply);
    return Promise.resolve({
      address,
      close: () => {
        this.broker.replyEndpoints.delete(address);
        return Promise.resolve();
      }
    });
  }
  sendReply(address, reply) {
    const endpoint = this.broker.replyEndpoints.get(address);
    if (endpoint !== void 0) {
      let copy;
      try {
        copy = reply.status === "ok" ? { ...reply, result: jsonCopy(reply.result, this.#maxBytes) } : reply;
      } catch (error) {
        const coded = error instanceof TurnqError ? error : new TurnqError("MESSAGE_UNDECODABLE", { message: `result is not JSON-serializable: ${String(error)}` });
        copy = { correlationId: reply.correlationId, status: "error", error: coded.toWire() };
      }
      queueMicrotask(() => {
        endpoint(copy);
      });
    }
    return Promise.resolve();
  }
  broadcast(message) {
    this.#checkOpen();
    for (const listener of this.broker.controlListeners) {
      queueMicrotask(() => {
        listener(message);
      });
    }
    return Promise.resolve();
  }
  consume(spec) {
    this.#checkOpen();
    const attached = [];
    const attach = (queue, prefetch, lane2) => {
      const consumer = {
        inFlight: 0,
        prefetch,
        unacked: /* @__PURE__ */ new Set(),
        deliver: (entry) => {
          this.#deliver(queue, consumer, entry, lane2, spec);
        }
      };
      queue.consumers.push(consumer);
      attached.push({ queue, consumer });
      queue.schedule();
    };
    for (const { type, shards } of spec.types) {
      for (let shard = 0; shard < shards; shard++) {
        attach(this.broker.declare(names.shard(this.namespace, type, shard), true), spec.prefetch, "shard");
      }
    }
    const laneName = names.lane(this.namespace, spec.workerId);
    attach(this.broker.declare(laneName, false), Number.POSITIVE_INFINITY, "priority");
    const onControl = (message) => {
      spec.onControl(message);
    };
    this.broker.controlListeners.add(onControl);
    return Promise.resolve({
      close: () => {
        this.broker.controlListeners.delete(onControl);
        for (const { queue, consumer } of attached) {
          const index = queue.consumers.indexOf(consumer);
          if (index >= 0) queue.consumers.splice(index, 1);
          queue.returnToFront([...consumer.unacked]);
          consumer.unacked.clear();
        }
        this.broker.queues.delete(laneName);
        return Promise.resolve();
      }
    });
  }
  #deliver(queue, consumer, entry, lane2, spec) {
    let invocation = entry.invocation;
    if (invocation === void 0) {
      const message = entry.message;
      try {
        invocation = decodeInvocation(message, this.#maxBytes);
      } catch (error) {
        const coded = error instanceof TurnqError ? error : new TurnqError("MESSAGE_UNDECODABLE", { message: String(error) });
        const address = replyAddressOf(message.headers);
        if (address !== void 0) {
          void this.sendReply(address.replyTo, { correlationId: address.correlationId, status: "error", error: coded.toWire() });
        }
        consumer.unacked.delete(entry);
        consumer.inFlight--;
        this.broker.deadLetters.push({ queue: queue.name, message, code: coded.code, reason: coded.message });
        spec.onDeadLetter?.(coded.code, coded.message);
        queue.schedule();
        return;
      }
    }
    spec.onDelivery(
      new MemoryDelivery(invocation, lane2, queue, consumer, entry, this.broker, (code, reason) => spec.onDeadLetter?.(code, reason))
    );
  }
  close() {
    this.#closed = true;
    return Promise.resolve();
  }
};

// src/transport/create-transport.ts
function createTransport(url, settings) {
  const scheme = url.split(":")[0];
  switch (scheme) {
    case "memory":
      return Promise.resolve(new MemoryTransport({ namespace: settings.namespace, maxMessageBytes: settings.maxMessageBytes }));
    case "amqp":
    case "amqps":
      return Promise.resolve().then(() => (init_amqp_transport(), amqp_transport_exports)).then(({ createAmqpTransport: createAmqpTransport2 }) => createAmqpTransport2(url, settings));
    case "redis":
    case "rediss":
      return Promise.resolve().then(() => (init_bullmq_transport(), bullmq_transport_exports)).then(({ createBullmqTransport: createBullmqTransport2 }) => createBullmqTransport2(url, settings));
    default:
      return Promise.reject(
        new TurnqError("CONFIG_INVALID", {
          message: `transport: unsupported URL "${url}" (memory://, amqp://, redis://)`,
          details: { key: "transport", value: url }
        })
      );
  }
}

// src/runtime/turnq.ts
function createStateStore(url, transportUrl, namespace) {
  const effective = url !== "" ? url : transportUrl.startsWith("redis") ? transportUrl : "memory://";
  if (effective.startsWith("memory:")) return Promise.resolve(new MemoryStateStore());
  if (effective.startsWith("redis"))
    return Promise.resolve().then(() => (init_redis_state_store(), redis_state_store_exports)).then(({ createRedisStateStore: createRedisStateStore2 }) => createRedisStateStore2(effective, namespace));
  return Promise.reject(
    new TurnqError("CONFIG_INVALID", { message: `stateStore: unsupported URL "${url}"`, details: { key: "stateStore", value: url } })
  );
}
async function createTurnq(options) {
  const { config: config2 } = options;
  const logger2 = options.logger ?? silentLogger;
  const transport = options.transport ?? await createTransport(config2.transport, { namespace: config2.namespace, maxMessageBytes: config2.maxMessageBytes });
  const store = options.store ?? await createStateStore(config2.stateStore, config2.transport, config2.namespace);
  let host;
  let client;
  if (options.actors !== void 0 && options.actors.length > 0) {
    const registry = new ActorRegistry().register(...options.actors);
    host = new ActorHost({ config: config2, transport, registry, store, logger: logger2 });
    await host.start();
    client = host.client;
  } else {
    client = new Client({ transport, shardsFor: shardCounter(config2), callTimeout: config2.callTimeout });
    await client.start();
  }
  return {
    client,
    host,
    transport,
    store,
    close: async () => {
      if (host !== void 0) await host.stop();
      else await client.close();
      await store.close();
      await transport.close();
    }
  };
}

// workers/actors/counter.ts
var Counter = class extends Actor {
  static type = "Counter";
  initialState() {
    return { count: 0 };
  }
  add(amount) {
    if (typeof amount !== "number" || !Number.isFinite(amount)) throw new TypeError("add expects a number");
    this.state.count += amount;
    return this.state.count;
  }
  get() {
    return this.state.count;
  }
  reset() {
    this.state.count = 0;
  }
};

// bench/prof.tmp.ts
var config = resolveConfig([{ raw: { reentrancy: { enabled: true } }, where: "" }], process.cwd());
var t = await createTurnq({ config, actors: [Counter] });
var N = 3e5;
var c = t.client;
var i = 0;
var s = performance.now();
async function lane() {
  while (i < N) {
    i++;
    await c.call("Counter", String(i % 1e3), "add", [1]);
  }
}
await Promise.all(Array.from({ length: 128 }, lane));
console.log("calls/s", Math.round(N / (performance.now() - s) * 1e3));
await t.close();
