/**
 * Helpers of the RabbitMQ transport tests: registers a test only when the broker is reachable (and
 * fails it under CI when it is not), lists or closes this process's own connections by name, and
 * builds the headers a plain publisher sends.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { brokerTest } from '../helpers/broker-test.js';
import { amqpUnavailable } from '../helpers/amqp-backend.js';
import { HEADER } from '../../src/protocol/headers.js';

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

/**
 * The headers of a root call as a plain amqplib publisher sends them (docs/protocol.md): protocol,
 * a fresh reentrancy id, an empty call stack, depth 1 and a deadline 20 s ahead, then `fields`; a field
 * given as undefined is left out.
 */
export function rootCallHeaders(fields: Record<string, string | undefined>): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    [HEADER.protocol]: '1',
    [HEADER.reentrancyId]: randomBytes(16).toString('hex'),
    [HEADER.callStack]: '[]',
    [HEADER.depth]: '1',
    [HEADER.deadline]: String(Date.now() + 20_000),
    ...fields,
  };
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}
