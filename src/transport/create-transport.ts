import { TurnqError } from '../errors/turnq-error.js';
import { createAmqpTransport } from './amqp/amqp-transport.js';
import { createBullmqTransport } from './bullmq/bullmq-transport.js';
import { MemoryTransport } from './memory/memory-transport.js';
import type { Transport } from './transport.js';

export interface TransportSettings {
  namespace: string;
  maxMessageBytes: number;
}

/** `memory://` (embedded), `amqp://…` (RabbitMQ) or `redis://…` (BullMQ). */
export function createTransport(url: string, settings: TransportSettings): Promise<Transport> {
  const scheme = url.split(':')[0];
  switch (scheme) {
    case 'memory':
      return Promise.resolve(new MemoryTransport({ namespace: settings.namespace, maxMessageBytes: settings.maxMessageBytes }));
    case 'amqp':
    case 'amqps':
      return createAmqpTransport(url, settings);
    case 'redis':
    case 'rediss':
      return createBullmqTransport(url, settings);
    default:
      return Promise.reject(
        new TurnqError('CONFIG_INVALID', {
          message: `transport: unsupported URL "${url}" (memory://, amqp://, redis://)`,
          details: { key: 'transport', value: url },
        }),
      );
  }
}
