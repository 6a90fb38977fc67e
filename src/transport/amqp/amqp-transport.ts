import { TurnqError } from '../../errors/turnq-error.js';
import type { TransportSettings } from '../create-transport.js';
import type { Transport } from '../transport.js';

/** RabbitMQ transport (amqplib). Placeholder until the RabbitMQ transport lands. */
export function createAmqpTransport(url: string, _settings: TransportSettings): Promise<Transport> {
  return Promise.reject(new TurnqError('CONFIG_INVALID', { message: `transport ${url}: RabbitMQ transport not built yet` }));
}
