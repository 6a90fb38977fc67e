/**
 * One AMQP connection with reconnection. Declares nothing itself: the parts of the transport
 * (publisher, consumers) register as `ConnectionUser`s; after every (re)connect each user's `up`
 * re-opens its channels, re-declares its topology and resumes consuming, and on every loss each user's
 * `down` fails what it had in flight (publishes awaiting a confirm, calls awaiting a reply) with the
 * retryable TRANSPORT_UNAVAILABLE.
 *
 * - Socket: `noDelay: true` (Nagle adds ~44 ms per request/response otherwise), heartbeat 10 s.
 * - Client property `connection_name`: `turnq:<namespace>:<label>:<random>` so that tests and operators
 *   can find (and close) a process's own connections with `rabbitmqctl list_connections name`.
 * - Writes: amqplib writes every frame to the socket on its own (one syscall and, with noDelay, one
 *   TCP segment each); the socket is corked on the first write of a tick and uncorked on the next
 *   tick, so the frames of all the publishes and acks of one tick leave in one writev
 *   (src/net/coalesce-writes.ts, shared with the Redis connections).
 * - Reconnect: exponential backoff from 100 ms to 5 s with ±20 % jitter, forever, until `close()`.
 */
import * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { TurnqError } from '../../errors/turnq-error.js';
import { coalesceWrites, isCorkable } from '../../net/coalesce-writes.js';

export interface ConnectionUser {
  /** Called after each (re)connect, in registration order; a rejection drops the connection and retries. */
  up(connection: amqp.ChannelModel): Promise<void>;
  /** Called once per loss (before the reconnect attempts). */
  down(error: TurnqError): void;
}

export interface AmqpConnectionOptions {
  url: string;
  connectionName: string;
  logger: Logger;
  /** Longest wait between reconnect attempts, milliseconds. */
  maxBackoff?: number;
}

const HEARTBEAT_SECONDS = 10;

/**
 * A failure while declaring topology, coded: PRECONDITION_FAILED (a queue exists with other arguments,
 * declared by another version or tool) is CONFIG_INVALID; anything else TRANSPORT_UNAVAILABLE.
 */
function topologyError(error: unknown): TurnqError {
  if (error instanceof TurnqError) return error;
  const text = error instanceof Error ? error.message : 'unknown error';
  return new TurnqError(text.includes('PRECONDITION_FAILED') ? 'CONFIG_INVALID' : 'TRANSPORT_UNAVAILABLE', {
    message: `setting up RabbitMQ topology: ${text}`,
    cause: error,
  });
}

export class AmqpConnection {
  readonly name: string;
  readonly #options: AmqpConnectionOptions;
  readonly #users = new Set<ConnectionUser>();
  #connection: amqp.ChannelModel | undefined;
  /** Increments on every successful connect: handles from an older generation are dead. */
  #generation = 0;
  #closed = false;
  #reconnecting = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #upWaiters: (() => void)[] = [];

  constructor(options: AmqpConnectionOptions) {
    this.#options = options;
    this.name = options.connectionName;
  }

  /** The live connection, or undefined while disconnected. */
  get current(): amqp.ChannelModel | undefined {
    return this.#connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** First connect: rejects with TRANSPORT_UNAVAILABLE when the broker cannot be reached. */
  async open(): Promise<void> {
    await this.#connectOnce();
  }

  /** Registers a user; runs its `up` now when connected. */
  async use(user: ConnectionUser): Promise<void> {
    this.#users.add(user);
    const connection = this.#connection;
    if (connection === undefined) return;
    try {
      await user.up(connection);
    } catch (error) {
      this.#users.delete(user);
      throw topologyError(error);
    }
  }

  release(user: ConnectionUser): void {
    this.#users.delete(user);
  }

  async #connectOnce(): Promise<void> {
    let connection: amqp.ChannelModel;
    try {
      connection = await amqp.connect(this.#options.url, {
        noDelay: true,
        heartbeat: HEARTBEAT_SECONDS,
        clientProperties: { connection_name: this.name },
      } as Parameters<typeof amqp.connect>[1]);
    } catch (error) {
      throw new TurnqError('TRANSPORT_UNAVAILABLE', { message: `cannot connect to RabbitMQ: ${String(error)}`, cause: error });
    }
    if (this.#closed) {
      await connection.close();
      throw new TurnqError('TRANSPORT_CLOSED');
    }
    coalesceModelWrites(connection);
    const generation = this.#generation + 1;
    connection.on('error', (error: Error) => {
      this.#options.logger.warn({ err: error, connection: this.name }, 'RabbitMQ connection error');
    });
    connection.on('close', () => {
      this.#lost(generation, new TurnqError('TRANSPORT_UNAVAILABLE', { message: 'connection to RabbitMQ was lost' }));
    });
    connection.on('blocked', (reason: string) => {
      this.#options.logger.warn({ reason, connection: this.name }, 'RabbitMQ blocked the connection');
    });
    this.#connection = connection;
    this.#generation = generation;
    try {
      for (const user of this.#users) await user.up(connection);
    } catch (error) {
      const coded = topologyError(error);
      this.#options.logger.warn({ err: coded, connection: this.name }, 'setting up the RabbitMQ topology failed');
      // Not lost, failed: its close must not start a reconnect loop (the caller retries, or gives up).
      this.#connection = undefined;
      for (const user of this.#users) user.down(coded);
      await connection.close().catch((closeError: unknown) => {
        this.#options.logger.debug({ err: closeError }, 'closing a failed connection');
      });
      throw coded;
    }
    for (const waiter of this.#upWaiters.splice(0)) waiter();
  }

  /** Resolves after the next successful (re)connect, topology and consumers restored (for tests). */
  nextUp(): Promise<void> {
    return new Promise((resolve) => {
      this.#upWaiters.push(resolve);
    });
  }

  /** Drops a channel's connection, for a channel error that leaves the setup broken. */
  reset(reason: string): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#options.logger.warn({ reason, connection: this.name }, 'resetting the RabbitMQ connection');
    connection.close().catch((error: unknown) => {
      this.#options.logger.debug({ err: error }, 'closing a broken connection');
    });
  }

  #lost(generation: number, error: TurnqError): void {
    if (generation !== this.#generation || this.#connection === undefined) return;
    this.#connection = undefined;
    for (const user of this.#users) {
      try {
        user.down(error);
      } catch (downError) {
        this.#options.logger.error({ err: downError }, 'connection user failed on connection loss');
      }
    }
    if (this.#closed) return;
    this.#options.logger.warn({ connection: this.name }, 'RabbitMQ connection lost; reconnecting');
    if (!this.#reconnecting) {
      this.#reconnecting = true;
      void this.#reconnect().finally(() => {
        this.#reconnecting = false;
      });
    }
  }

  async #reconnect(): Promise<void> {
    let delay = 100;
    const max = this.#options.maxBackoff ?? 5000;
    while (!this.#closed) {
      await new Promise<void>((resolve) => {
        this.#retryTimer = setTimeout(resolve, delay * (0.8 + Math.random() * 0.4));
      });
      if (this.#closed) return;
      try {
        await this.#connectOnce();
        this.#options.logger.info({ connection: this.name }, 'RabbitMQ connection restored');
        return;
      } catch (error) {
        // A topology the broker refuses (CONFIG_INVALID) needs an operator: said loudly, still retried.
        if (error instanceof TurnqError && !error.retryable) this.#options.logger.error({ err: error, delay }, 'reconnect attempt failed');
        else this.#options.logger.debug({ err: error, delay }, 'reconnect attempt failed');
        delay = Math.min(max, delay * 2);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) {
      for (const user of this.#users) user.down(new TurnqError('TRANSPORT_CLOSED'));
      await connection.close().catch((error: unknown) => {
        this.#options.logger.debug({ err: error }, 'closing the RabbitMQ connection');
      });
    }
  }
}

/** The socket under amqplib's connection, its writes coalesced per turn (src/net/coalesce-writes.ts). */
function coalesceModelWrites(model: amqp.ChannelModel): void {
  const stream: unknown = (model as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (isCorkable(stream)) coalesceWrites(stream);
}
