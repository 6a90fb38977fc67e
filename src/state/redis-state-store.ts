import { TurnqError } from '../errors/turnq-error.js';
import type { StateStore } from './state-store.js';

/** Redis state store. Placeholder until it lands. */
export function createRedisStateStore(url: string, _namespace: string): Promise<StateStore> {
  return Promise.reject(new TurnqError('CONFIG_INVALID', { message: `stateStore ${url}: Redis state store not built yet` }));
}
