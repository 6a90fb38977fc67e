import type { Logger } from 'pino';
import { TurnqError } from '../errors/turnq-error.js';
import { MemoryTransport } from './memory/memory-transport.js';
import type { Transport } from './transport.js';

export interface TransportSettings {
  namespace: string;
  maxMessageBytes: number;
  /** Where the transport reports connection trouble; a logger of warnings and worse otherwise. */
  logger?: Logger;
}

/** `memory://` (embedded), `amqp://…` (RabbitMQ) or `redis://…` (BullMQ). */
export function createTransport(url: string, settings: TransportSettings): Promise<Transport> {
  const scheme = url.split(':')[0];
  switch (scheme) {
    case 'memory':
      return Promise.resolve(new MemoryTransport({ namespace: settings.namespace, maxMessageBytes: settings.maxMessageBytes }));
    case 'amqp':
    case 'amqps':
      // Loaded on demand: the embedded default never loads amqplib or BullMQ.
      return import('./amqp/amqp-transport.js').then(({ createAmqpTransport }) => createAmqpTransport(url, settings));
    case 'redis':
    case 'rediss':
      return import('./bullmq/bullmq-transport.js').then(({ createBullmqTransport }) => createBullmqTransport(url, settings));
    default:
      return Promise.reject(
        new TurnqError('CONFIG_INVALID', {
          message: `transport: unsupported URL "${url}" (memory://, amqp://, redis://)`,
          details: { key: 'transport', value: url },
        }),
      );
  }
}
