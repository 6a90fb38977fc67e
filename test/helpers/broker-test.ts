/**
 * Registers a test that needs a broker. `unavailable` is the reason the broker cannot be reached (or
 * undefined when it can): the test is then skipped locally, and fails when `CI` is set, since brokers
 * are required there.
 */
import test, { type ExecutionContext } from 'ava';

export function brokerTest(
  title: string,
  unavailable: string | undefined,
  body: (t: ExecutionContext) => Promise<void>,
  options: { serial?: boolean } = {},
): void {
  const register = options.serial === true ? test.serial : test;
  if (unavailable === undefined) register(title, body);
  else if (process.env.CI !== undefined && process.env.CI !== '') {
    register(title, (t) => {
      t.fail(`required in CI but unreachable: ${unavailable}`);
    });
  } else test.skip(`${title} (unreachable: ${unavailable})`, () => undefined);
}
