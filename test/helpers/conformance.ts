/**
 * Registers one test per selected backend. A backend whose server is unreachable is skipped locally and
 * fails the test when `CI` is set (brokers are required there).
 */
import type { ExecutionContext } from 'ava';
import { brokerTest } from './broker-test.js';
import { selectedBackends, type Backend } from './backends.js';

const availability = new Map<string, string | undefined>();
for (const backend of selectedBackends()) availability.set(backend.name, await backend.unavailable());

export function conformance(title: string, body: (t: ExecutionContext, backend: Backend) => Promise<void>): void {
  for (const backend of selectedBackends()) {
    brokerTest(`${backend.name}: ${title}`, availability.get(backend.name), (t) => body(t, backend));
  }
}
