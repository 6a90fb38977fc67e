/**
 * Conformance backends on Redis: `bullmq` (BullMQ transport with the Redis state store) and, when the
 * RabbitMQ backend exists, `amqp+redis` (its transport with the Redis state store). Each fixture's keys
 * live under its namespace and `cleanup` deletes them (test/redis/redis-helpers.ts).
 */
import { createRedisStateStore } from '../../src/state/redis-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { createBullmqTransport } from '../../src/transport/bullmq/bullmq-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { deleteNamespace, REDIS_URL, redisUnavailable } from '../redis/redis-helpers.js';
import { amqpBackends } from './amqp-backend.js';
import type { Backend, BackendFixture } from './backends-types.js';

/** A store shared by a fixture's workers; closing it is the fixture's job (cluster.ts closes it too). */
function sharedStore(namespace: string, opened: StateStore[]): () => Promise<StateStore> {
  let store: Promise<StateStore> | undefined;
  return () => {
    store ??= createRedisStateStore(REDIS_URL, namespace).then((s) => {
      opened.push(s);
      return s;
    });
    return store;
  };
}

export const bullmqBackend: Backend = {
  name: 'bullmq',
  unavailable: () => redisUnavailable(),
  create: (namespace) => {
    const transports: Transport[] = [];
    const stores: StateStore[] = [];
    const fixture: BackendFixture = {
      name: 'bullmq',
      namespace,
      transport: async () => {
        const transport = await createBullmqTransport(REDIS_URL, { namespace, maxMessageBytes: 1024 * 1024 });
        transports.push(transport);
        return transport;
      },
      store: sharedStore(namespace, stores),
      cleanup: async () => {
        await Promise.all(transports.map((t) => t.close()));
        await Promise.all(stores.map((s) => s.close()));
        await deleteNamespace(namespace);
      },
    };
    return Promise.resolve(fixture);
  },
};

function withRedisStore(amqp: Backend): Backend {
  return {
    name: 'amqp+redis',
    unavailable: async () => (await amqp.unavailable()) ?? (await redisUnavailable()),
    create: async (namespace) => {
      const inner = await amqp.create(namespace);
      const stores: StateStore[] = [];
      return {
        name: 'amqp+redis',
        namespace,
        transport: () => inner.transport(),
        store: sharedStore(namespace, stores),
        cleanup: async () => {
          await inner.cleanup();
          await Promise.all(stores.map((s) => s.close()));
          await deleteNamespace(namespace);
        },
      };
    },
  };
}

const amqp = amqpBackends.find((b) => b.name === 'amqp');

export const redisBackends: Backend[] = amqp === undefined ? [bullmqBackend] : [bullmqBackend, withRedisStore(amqp)];
