/**
 * The `turnq` command:
 *   turnq worker [--config file] [--transport url]
 *   turnq call Type/id method [args…] [--timeout 5s] [--wait 10s] [--config file] [--transport url]
 *   turnq send Type/id method [args…] [--wait 10s]
 *   turnq demo [--transport url]
 *   turnq config [--config file]      prints the resolved configuration
 */
import { parseArgs } from 'node:util';
import { runDemo } from '../demo/run-demo.js';
import { TurnqError } from '../errors/turnq-error.js';
import { runCall } from './call-command.js';
import { cliConfig } from './cli-config.js';
import { runWorker } from './worker-command.js';

const USAGE = `usage:
  turnq worker [--config file] [--transport url]
  turnq call Type/id method [args...] [--timeout 5s] [--wait 10s] [--config file] [--transport url]
  turnq send Type/id method [args...] [--wait 10s] [--config file] [--transport url]
    --wait: while no worker hosts the actor type yet (ACTOR_TYPE_UNKNOWN), try again for this long
  turnq demo [--transport url]
  turnq config [--config file]`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      transport: { type: 'string', short: 't' },
      timeout: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  const flags = { config: values.config, transport: values.transport };
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  switch (command) {
    case 'worker':
      await runWorker(flags);
      return 0;
    case 'call':
    case 'send': {
      const [target, method, ...args] = rest;
      if (target === undefined || method === undefined)
        throw new TurnqError('CONFIG_INVALID', { message: `turnq ${command} needs Type/id and a method\n${USAGE}` });
      await runCall(target, method, args, { ...flags, timeout: values.timeout, wait: values.wait, oneWay: command === 'send' });
      return 0;
    }
    case 'demo':
      await runDemo(flags);
      return 0;
    case 'config': {
      const config = await cliConfig(flags);
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

function report(error: unknown): void {
  if (error instanceof TurnqError) {
    process.stderr.write(`${error.code}: ${error.message}${error.actor === undefined ? '' : ` (${error.actor})`}\n`);
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}

/** Runs the CLI and exits with its status. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      report(error);
      process.exitCode = 1;
    },
  );
}
