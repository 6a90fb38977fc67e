/**
 * The backends the conformance suite runs against, behind one small factory (like BullMQ's test
 * setup): each fixture gets a unique namespace, so every queue, exchange and key name of a test is its
 * own, and `cleanup` deletes them.
 *
 * `TURNQ_TEST_BACKENDS=memory,amqp` picks a subset. A broker that cannot be reached is skipped locally,
 * and fails the run when `CI` is set.
 */
import { randomId } from '../../src/protocol/ids.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import { MemoryBroker } from '../../src/transport/memory/memory-broker.js';
import { MemoryTransport } from '../../src/transport/memory/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { amqpBackends } from './amqp-backend.js';
import type { Backend } from './backends-types.js';
import { redisBackends } from './redis-backend.js';

export type { Backend, BackendFixture } from './backends-types.js';

export const memoryBackend: Backend = {
  name: 'memory',
  unavailable: () => Promise.resolve(undefined),
  create: (namespace) => {
    const broker = new MemoryBroker();
    const store = new MemoryStateStore();
    const opened: Transport[] = [];
    return Promise.resolve({
      name: 'memory',
      namespace,
      transport: () => {
        const transport = new MemoryTransport({ broker, namespace });
        opened.push(transport);
        return Promise.resolve(transport);
      },
      store: () => Promise.resolve(store),
      cleanup: async () => {
        await Promise.all(opened.map((t) => t.close()));
      },
    });
  },
};

/** Every backend; the broker transports add themselves here. */
export const BACKENDS: Backend[] = [memoryBackend, ...amqpBackends, ...redisBackends];

export function selectedBackends(): Backend[] {
  const wanted = process.env.TURNQ_TEST_BACKENDS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return wanted === undefined || wanted.length === 0 ? BACKENDS : BACKENDS.filter((b) => wanted.includes(b.name));
}

export function uniqueNamespace(label: string): string {
  return `tq-${label.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 24)}-${randomId().slice(0, 8)}`;
}
