/**
 * Socket write batching on Redis connections (src/net/coalesce-writes.ts): the commands one turn
 * of the event loop issues leave together once the turn is over, each gets its own reply in order, and
 * a reconnected connection's new socket is batched too.
 */
import { closeRedis, openRedis } from '../../src/state/redis-connection.js';
import { REDIS_URL, redisTest } from './redis-test.js';

redisTest('commands issued in one turn are written together and answered in order, also after a reconnect', async (t, ns) => {
  const redis = await openRedis(REDIS_URL, 'command');
  t.teardown(() => closeRedis(redis));
  const key = `${ns}:batched`;
  const round = async (): Promise<void> => {
    const first = redis.incr(key);
    const socket = redis.stream;
    t.is(socket.writableCorked, 1, 'the first write of a turn corks the socket');
    const rest = Array.from({ length: 49 }, () => redis.incr(key));
    t.is(socket.writableCorked, 1, 'later writes of the same turn wait with it');
    await new Promise<void>((resolve) => {
      process.nextTick(resolve);
    });
    t.is(socket.writableCorked, 0, 'uncorked once the turn is over');
    const values = await Promise.all([first, ...rest]);
    const start = values[0] ?? 0;
    t.deepEqual(
      values,
      Array.from({ length: 50 }, (_, i) => start + i),
    );
  };
  await round();
  const reconnected = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  redis.disconnect(true);
  await reconnected;
  await round();
});
