/**
 * Coalesces what one turn of the event loop writes to a Redis connection's socket into one write.
 *
 * ioredis writes each command to its socket as it is issued: with many calls in flight that is one
 * write system call per command (a fifth of the process's CPU under the BullMQ bench). Here the socket
 * is corked at the first write of a turn and uncorked in `process.nextTick`, which Node runs once the
 * current callback and every promise continuation it set off have run: what they wrote leaves in one
 * `writev`, and no write waits past the turn that made it (a `setImmediate` would hold it for a whole
 * loop phase). Commands, their order and their replies are untouched, unlike ioredis' auto-pipelining,
 * which queues commands differently and is reported to break BullMQ.
 *
 * ioredis makes a new socket for every (re)connection: the writes of each are batched from its
 * `connect` event on.
 */
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

const batched = new WeakSet<Socket>();

function batch(socket: Socket): void {
  if (batched.has(socket)) return;
  batched.add(socket);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
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

/** Batches the socket writes of `redis` (see the file comment), now and after every reconnection. */
export function batchSocketWrites(redis: Redis): void {
  const attach = (): void => {
    const socket = redis.stream as Socket | undefined;
    if (socket !== undefined) batch(socket);
  };
  redis.on('connect', attach);
  attach();
}
