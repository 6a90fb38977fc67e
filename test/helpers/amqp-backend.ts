/**
 * RabbitMQ backend for the conformance suite: the amqp transport with a memory state store shared by
 * the fixture's workers. Each fixture has its own namespace; `cleanup` deletes the shard queues its
 * workers declared, the dead-letter queue and the control exchange (lanes and control queues are
 * exclusive and go with their connections). `TURNQ_AMQP_URL` overrides the broker (default
 * amqp://127.0.0.1:5672).
 */
import * as amqp from 'amqplib';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import { names } from '../../src/protocol/sharding.js';
import { createAmqpTransport } from '../../src/transport/amqp/amqp-transport.js';
import type { ConsumeSpec, Transport } from '../../src/transport/transport.js';
import type { Backend, BackendFixture } from './backends-types.js';
import { probeBroker } from './broker-test.js';

export const AMQP_URL = process.env.TURNQ_AMQP_URL ?? 'amqp://127.0.0.1:5672';

export function amqpUnavailable(): Promise<string | undefined> {
  return probeBroker(async () => {
    try {
      const connection = await amqp.connect(AMQP_URL, { timeout: 5000 } as Parameters<typeof amqp.connect>[1]);
      await connection.close();
      return undefined;
    } catch (error) {
      return `RabbitMQ at ${AMQP_URL}: ${String(error)}`;
    }
  });
}

/** Deletes the given queues and the namespace's dead-letter queue and control exchange. */
export async function deleteAmqpNamespace(namespace: string, queues: Iterable<string>): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of new Set([...queues, names.deadLetter(namespace)])) await channel.deleteQueue(queue);
    await channel.deleteExchange(names.control(namespace));
    await channel.close();
  } finally {
    await connection.close();
  }
}

export function createAmqpFixture(namespace: string, label = 'test'): BackendFixture & { readonly queues: Set<string> } {
  const store = new MemoryStateStore();
  const opened: Transport[] = [];
  const queues = new Set<string>();
  return {
    name: 'amqp',
    namespace,
    queues,
    transport: async () => {
      const transport = await createAmqpTransport(AMQP_URL, { namespace, maxMessageBytes: 1024 * 1024 }, { label });
      opened.push(transport);
      // Remember the shard queues the workers declare, for cleanup.
      const consume = transport.consume.bind(transport);
      transport.consume = (spec: ConsumeSpec) => {
        for (const { type, shards } of spec.types) for (let n = 0; n < shards; n++) queues.add(names.shard(namespace, type, n));
        return consume(spec);
      };
      return transport;
    },
    store: () => Promise.resolve(store),
    cleanup: async () => {
      await Promise.all(opened.map((t) => t.close()));
      await deleteAmqpNamespace(namespace, queues);
    },
  };
}

export const amqpBackends: Backend[] = [
  {
    name: 'amqp',
    unavailable: amqpUnavailable,
    create: (namespace) => Promise.resolve(createAmqpFixture(namespace)),
  },
];
