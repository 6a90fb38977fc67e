/**
 * Helpers of the RabbitMQ transport tests: registers a test only when the broker is reachable (and
 * fails it under CI when it is not), and lists or closes this process's own connections by name.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { brokerTest } from '../helpers/broker-test.js';
import { amqpUnavailable } from '../helpers/amqp-backend.js';

const run = promisify(execFile);
const unavailable = await amqpUnavailable();

export function amqpTest(title: string, body: (t: ExecutionContext) => Promise<void>): void {
  brokerTest(title, unavailable, body);
}

export function amqpSerialTest(title: string, body: (t: ExecutionContext) => Promise<void>): void {
  brokerTest(title, unavailable, body, { serial: true });
}

/** Names and pids of the broker's connections whose name contains `part`. */
export async function connectionsNamed(part: string): Promise<{ name: string; pid: string }[]> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { maxBuffer: 16 * 1024 * 1024 });
  const found: { name: string; pid: string }[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(<[^>]+>)\s.*\{"connection_name",(?:longstr,)?"([^"]+)"\}/.exec(line);
    if (match?.[1] !== undefined && match[2]?.includes(part) === true) found.push({ pid: match[1], name: match[2] });
  }
  return found;
}

/** Closes (broker side) every connection whose name contains `part`; returns how many. */
export async function closeConnectionsNamed(part: string): Promise<number> {
  const found = await connectionsNamed(part);
  for (const { pid } of found) await run('rabbitmqctl', ['-q', 'close_connection', pid, 'turnq test: closing this connection']);
  return found.length;
}
