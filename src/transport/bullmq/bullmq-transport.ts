import { TurnqError } from '../../errors/turnq-error.js';
import type { TransportSettings } from '../create-transport.js';
import type { Transport } from '../transport.js';

/** BullMQ transport. Placeholder until the BullMQ transport lands. */
export function createBullmqTransport(url: string, _settings: TransportSettings): Promise<Transport> {
  return Promise.reject(new TurnqError('CONFIG_INVALID', { message: `transport ${url}: BullMQ transport not built yet` }));
}
