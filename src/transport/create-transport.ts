import { TurnqError } from '../errors/turnq-error.js';
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
    default:
      return Promise.reject(new TurnqError('CONFIG_INVALID', { message: `transport: unsupported URL "${url}" (memory://, amqp://, redis://)`, details: { key: 'transport', value: url } }));
  }
}
