import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16_384;
/** Ids cut from one hex conversion: one call into the runtime's hex encoder per IDS_PER_CHUNK ids. */
const IDS_PER_CHUNK = 4;
/** Refilled in place: no new buffer per refill. */
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;
let chunk = '';
let cut = IDS_PER_CHUNK;

/**
 * 128 random bits as 32 lowercase hex digits (reentrancy ids, message ids, turn ids). Random bytes are
 * drawn 16 KiB at a time and turned into hex four ids at a time; each id is a substring of that short
 * chunk (it keeps the 128-character chunk alive, never the pool).
 */
export function randomId(): string {
  if (cut === IDS_PER_CHUNK) {
    if (offset + 16 * IDS_PER_CHUNK > POOL_SIZE) {
      randomFillSync(pool);
      offset = 0;
    }
    chunk = pool.toString('hex', offset, offset + 16 * IDS_PER_CHUNK);
    offset += 16 * IDS_PER_CHUNK;
    cut = 0;
  }
  const id = chunk.substring(32 * cut, 32 * cut + 32);
  cut++;
  return id;
}

const HEX_VALUES = new Uint8Array(128).fill(16);
for (let c = 0; c < 16; c++) HEX_VALUES['0123456789abcdef'.charCodeAt(c)] = c;

/**
 * The value of a lowercase hex digit's char code, 16 for any other code: `(v & 16) === 0` tells a
 * digit, `v & 15` its value. A table look-up, for loops over ids that run on every message.
 */
export function hexValue(code: number): number {
  return code < 128 ? (HEX_VALUES[code] ?? 16) : 16;
}

/** turnq's own ids (reentrancy ids, message ids): 32 lowercase hex digits. */
export const HEX_ID_PATTERN = /^[0-9a-f]{32}$/;
