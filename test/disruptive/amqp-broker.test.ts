/**
 * DISRUPTIVE: closes every connection of the broker and restarts the RabbitMQ application, so it runs
 * apart from the main test run (serially, nothing else on the broker). Checks that the RabbitMQ
 * transport comes back by itself: calls in flight end with a result or TRANSPORT_UNAVAILABLE (never
 * their deadline), the topology is declared again, consuming resumes, durable shard queues keep their
 * persistent messages across the restart, and later calls succeed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { Client } from '../../src/client/client.js';
import { TurnqError } from '../../src/errors/turnq-error.js';
import type { Transport } from '../../src/transport/transport.js';
import { amqpConnectionOf } from '../../src/transport/amqp/amqp-transport.js';
import { amqpSerialTest } from '../amqp/amqp-helpers.js';
import { startSlowWorker } from '../amqp/amqp-actors.js';

const run = promisify(execFile);

async function disrupt(t: ExecutionContext, client: Client, transports: Transport[], action: () => Promise<void>): Promise<void> {
  const ups = transports.map((tr) => amqpConnectionOf(tr)!.nextUp());
  const inFlight = Array.from({ length: 20 }, (_, i) =>
    client.call('Slow', String(i), 'add', [100]).then(
      (ok) => ({ ok }),
      (error: unknown) =>
        error instanceof TurnqError ? { code: error.code, retryable: error.retryable } : { code: String(error), retryable: false },
    ),
  );
  await action();
  for (const o of await Promise.all(inFlight)) {
    if ('ok' in o) t.is(typeof o.ok, 'number');
    else t.like(o, { code: 'TRANSPORT_UNAVAILABLE', retryable: true });
  }
  await Promise.all(ups);
  const after = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('Slow', `after-${i}`, 'add', [0])));
  t.true(after.every((n) => typeof n === 'number'));
}

amqpSerialTest('rabbitmqctl close_all_connections: the transport reconnects and resumes', async (t) => {
  const { client, transports } = await startSlowWorker(t, 'close-all', 30_000);
  await disrupt(t, client, transports, async () => {
    await run('rabbitmqctl', ['-q', 'close_all_connections', 'turnq disruptive test']);
  });
});

amqpSerialTest('RabbitMQ restart: the transport reconnects, declares its topology again and resumes', async (t) => {
  const { client, transports } = await startSlowWorker(t, 'restart', 30_000);
  await disrupt(t, client, transports, async () => {
    await run('rabbitmqctl', ['-q', 'stop_app']);
    await run('rabbitmqctl', ['-q', 'start_app']);
  });
});
