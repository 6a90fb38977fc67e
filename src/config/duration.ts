import { TurnqError } from '../errors/turnq-error.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;

/**
 * Parses a duration like Dapr's (Go's) `1h30m`, `90s`, `500ms`, `0.5s`; a bare number is milliseconds.
 * Returns milliseconds. Throws CONFIG_INVALID naming `key` for anything else.
 */
export function parseDuration(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    PART.lastIndex = 0;
    let total = 0;
    let consumed = 0;
    for (let match = PART.exec(text); match !== null; match = PART.exec(text)) {
      total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
      consumed = PART.lastIndex;
    }
    if (consumed === text.length && consumed > 0) return total;
  }
  throw new TurnqError('CONFIG_INVALID', {
    message: `${key}: "${String(value)}" is not a duration (examples: 1h30m, 45s, 500ms)`,
    details: { key, value },
  });
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
