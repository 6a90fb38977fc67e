/**
 * `turnq call Type/id method [args…]` and `turnq send …`: one call from the shell. Arguments are JSON
 * when they parse as JSON, strings otherwise. With the embedded memory transport there is no worker
 * elsewhere to answer, so the call hosts the config's actor modules in this process first.
 *
 * `--wait <duration>`: a call fails at once with ACTOR_TYPE_UNKNOWN while no worker hosts the type (no
 * shard queue for it yet, say because the worker started a moment ago); with `--wait` the command tries
 * again, 50 ms doubling to 1 s apart, until the duration has passed. A call refused so was not
 * delivered, so trying again cannot apply it twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../config/duration.js';
import { TurnqError } from '../errors/turnq-error.js';
import { parseActorKey } from '../protocol/invocation.js';
import { createTurnq } from '../runtime/turnq.js';
import { cliConfig, type CommonFlags } from './cli-config.js';
import { loadActorModules } from './load-actors.js';

export interface CallFlags extends CommonFlags {
  timeout?: string | undefined;
  /** How long to try again while no worker hosts the type (see above). */
  wait?: string | undefined;
  oneWay: boolean;
}

/** Runs `attempt` again while it fails with ACTOR_TYPE_UNKNOWN, until `waitMs` has passed. */
async function whileUnhosted<T>(waitMs: number, attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + waitMs;
  let announced = false;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof TurnqError) || error.code !== 'ACTOR_TYPE_UNKNOWN' || Date.now() + delay > until) throw error;
      if (!announced) process.stderr.write(`waiting for a worker: ${error.message}\n`);
      announced = true;
      await sleep(delay);
    }
  }
}

function parseArg(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function runCall(target: string, method: string, rawArgs: string[], flags: CallFlags): Promise<void> {
  const key = parseActorKey(target);
  if (key === undefined) throw new TurnqError('CONFIG_INVALID', { message: `"${target}" is not an actor key (Type/id)` });
  const waitMs = flags.wait === undefined ? 0 : parseDuration(flags.wait, '--wait');
  const config = await cliConfig(flags, { logLevel: 'warn' });
  const embedded = config.transport.startsWith('memory');
  const actors = embedded ? await loadActorModules(config) : [];
  const turnq = await createTurnq({ config, actors });
  try {
    const args = rawArgs.map(parseArg);
    const options = flags.timeout === undefined ? undefined : { timeout: flags.timeout };
    if (flags.oneWay) {
      await whileUnhosted(waitMs, () => turnq.client.sendOneWay(key.type, key.id, method, args, options));
      process.stdout.write('sent\n');
    } else {
      const result = await whileUnhosted(waitMs, () => turnq.client.call(key.type, key.id, method, args, options));
      process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
    }
  } finally {
    await turnq.close();
  }
}
