import { randomBytes } from 'node:crypto';

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_SIZE;

/** 128 random bits as 32 lowercase hex digits (reentrancy ids, message ids, turn ids). */
export function randomId(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}

/** turnq's own ids (reentrancy ids, message ids): 32 lowercase hex digits. */
export const HEX_ID_PATTERN = /^[0-9a-f]{32}$/;
