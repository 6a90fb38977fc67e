/**
 * Registers one test per selected backend. A backend whose server is unreachable is skipped locally and
 * fails the test when `CI` is set (brokers are required there).
 */
import test, { type ExecutionContext } from 'ava';
import { selectedBackends, type Backend } from './backends.js';

const availability = new Map<string, string | undefined>();
for (const backend of selectedBackends()) availability.set(backend.name, await backend.unavailable());

export function conformance(title: string, body: (t: ExecutionContext, backend: Backend) => Promise<void>): void {
  for (const backend of selectedBackends()) {
    const reason = availability.get(backend.name);
    const name = `${backend.name}: ${title}`;
    if (reason === undefined) {
      test(name, (t) => body(t, backend));
    } else if (process.env.CI !== undefined && process.env.CI !== '') {
      test(name, (t) => {
        t.fail(`${backend.name} is required in CI but unreachable: ${reason}`);
      });
    } else {
      test.skip(`${name} (unreachable: ${reason})`, () => undefined);
    }
  }
}
