/**
 * Registers a test that needs a broker. `unavailable` is the reason the broker cannot be reached (or
 * undefined when it can): the test is then skipped locally, and fails when `CI` is set, since brokers
 * are required there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';

/** Attempts a reachability probe makes before it gives up: test files start (and connect) at once. */
const PROBE_ATTEMPTS = 3;

/**
 * Runs `attempt` (which gives the reason the broker is unreachable, or undefined) up to PROBE_ATTEMPTS
 * times, half a second apart, so that one slow handshake on a loaded machine does not count as a broker
 * that is down; gives the last reason.
 */
export async function probeBroker(attempt: () => Promise<string | undefined>): Promise<string | undefined> {
  let reason: string | undefined;
  for (let i = 0; i < PROBE_ATTEMPTS; i++) {
    if (i > 0) await sleep(500);
    reason = await attempt();
    if (reason === undefined) return undefined;
  }
  return reason;
}

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
