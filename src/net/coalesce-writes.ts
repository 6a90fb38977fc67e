/**
 * Coalesces what one turn of the event loop writes to a broker connection's socket into one write.
 *
 * amqplib writes every frame, and ioredis every command, to the socket as it comes: with many calls in
 * flight that is one write system call (and, with `noDelay`, one TCP segment) each; on Redis it was a
 * fifth of the process's CPU under the BullMQ bench. Here the socket is corked at the first write of a
 * turn and uncorked in `process.nextTick`, which Node runs once the current callback and every promise
 * continuation it set off have run: what they wrote leaves in one `writev`, and no write waits past the
 * turn that made it (a `setImmediate` would hold it for a whole loop phase). What is written, and in
 * which order, is untouched (unlike ioredis' auto-pipelining, which queues commands differently and is
 * reported to break BullMQ).
 */
import type { Redis } from 'ioredis';

/** The part of a `net.Socket` this needs. */
export interface CorkableSocket {
  write: (...args: unknown[]) => boolean;
  cork(): void;
  uncork(): void;
}

const coalesced = new WeakSet<CorkableSocket>();

/** True when `value` has what `coalesceWrites` needs. */
export function isCorkable(value: unknown): value is CorkableSocket {
  const socket = value as Partial<CorkableSocket> | null | undefined;
  return typeof socket?.write === 'function' && typeof socket.cork === 'function' && typeof socket.uncork === 'function';
}

/** Corks `socket` for the rest of the turn at its first write in each turn (see the file comment). */
export function coalesceWrites(socket: CorkableSocket): void {
  if (coalesced.has(socket)) return;
  coalesced.add(socket);
  const write = socket.write.bind(socket);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
}

/** Coalesces the writes of a Redis connection, now and after every reconnection (each has a new socket). */
export function coalesceRedisWrites(redis: Redis): void {
  const attach = (): void => {
    if (isCorkable(redis.stream)) coalesceWrites(redis.stream);
  };
  redis.on('connect', attach);
  attach();
}
