/**
 * One call to get a running turnq: the transport and state store named in the config, a client, and
 * (when actors are given) a worker hosting them. What `npm start`, the CLI and the worker entry use.
 */
import type { Logger } from 'pino';
import type { ActorClass } from '../actor/actor.js';
import { ActorRegistry } from '../actor/actor-registry.js';
import { Client } from '../client/client.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { silentLogger } from '../logging/logger.js';
import { TurnqError } from '../errors/turnq-error.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { createTransport } from '../transport/create-transport.js';
import type { Transport } from '../transport/transport.js';
import { ActorHost, shardCounter } from './actor-host.js';

export interface TurnqOptions {
  config: ResolvedConfig;
  /** Actor classes to host; none: a client only. */
  actors?: ActorClass[];
  transport?: Transport;
  store?: StateStore;
  logger?: Logger;
}

export interface Turnq {
  readonly client: Client;
  readonly host: ActorHost | undefined;
  readonly transport: Transport;
  readonly store: StateStore;
  /** Drains the worker (if any), closes the client and the transport. */
  close(): Promise<void>;
}

/**
 * The state store named by `stateStore`; when it is empty, the transport decides: Redis for the redis
 * transport, memory otherwise.
 */
export function createStateStore(url: string, transportUrl: string, namespace: string): Promise<StateStore> {
  const effective = url !== '' ? url : transportUrl.startsWith('redis') ? transportUrl : 'memory://';
  if (effective.startsWith('memory:')) return Promise.resolve(new MemoryStateStore());
  if (effective.startsWith('redis'))
    return import('../state/redis-state-store.js').then(({ createRedisStateStore }) => createRedisStateStore(effective, namespace));
  return Promise.reject(
    new TurnqError('CONFIG_INVALID', { message: `stateStore: unsupported URL "${url}"`, details: { key: 'stateStore', value: url } }),
  );
}

export async function createTurnq(options: TurnqOptions): Promise<Turnq> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const transport =
    options.transport ??
    (await createTransport(config.transport, {
      namespace: config.namespace,
      maxMessageBytes: config.maxMessageBytes,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }));
  const store = options.store ?? (await createStateStore(config.stateStore, config.transport, config.namespace));
  let host: ActorHost | undefined;
  let client: Client;
  if (options.actors !== undefined && options.actors.length > 0) {
    const registry = new ActorRegistry().register(...options.actors);
    host = new ActorHost({ config, transport, registry, store, logger });
    await host.start();
    client = host.client;
  } else {
    client = new Client({ transport, shardsFor: shardCounter(config), callTimeout: config.callTimeout, logger });
    await client.start();
  }
  return {
    client,
    host,
    transport,
    store,
    close: async () => {
      if (host !== undefined) await host.stop();
      else await client.close();
      await store.close();
      await transport.close();
    },
  };
}
