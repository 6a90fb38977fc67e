import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The process logger: JSON lines on stdout (pipe through `pino-pretty` to read them). */
export function createLogger(level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}

export const silentLogger: Logger = pino({ level: 'silent' });
