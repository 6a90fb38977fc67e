import type { Logger } from 'pino';
import { createLogger } from '../logging/logger.js';
import type { TransportSettings } from './create-transport.js';

/** The settings' logger, or one of warnings and worse, labelled with the transport. */
export function transportLogger(settings: TransportSettings, component: string): Logger {
  return (settings.logger ?? createLogger('warn')).child({ component });
}
