/**
 * `turnq call Type/id method [args…]` and `turnq send …`: one call from the shell. Arguments are JSON
 * when they parse as JSON, strings otherwise. With the embedded memory transport there is no worker
 * elsewhere to answer, so the call hosts the config's actor modules in this process first.
 */
import { TurnqError } from '../errors/turnq-error.js';
import { parseActorKey } from '../protocol/invocation.js';
import { createTurnq } from '../runtime/turnq.js';
import { cliConfig, type CommonFlags } from './cli-config.js';
import { loadActorModules } from './load-actors.js';

export interface CallFlags extends CommonFlags {
  timeout?: string | undefined;
  oneWay: boolean;
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
  const config = await cliConfig(flags, { logLevel: 'warn' });
  const embedded = config.transport.startsWith('memory');
  const actors = embedded ? await loadActorModules(config) : [];
  const turnq = await createTurnq({ config, actors });
  try {
    const args = rawArgs.map(parseArg);
    const options = flags.timeout === undefined ? undefined : { timeout: flags.timeout };
    if (flags.oneWay) {
      await turnq.client.sendOneWay(key.type, key.id, method, args, options);
      process.stdout.write('sent\n');
    } else {
      const result = await turnq.client.call(key.type, key.id, method, args, options);
      process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
    }
  } finally {
    await turnq.close();
  }
}
