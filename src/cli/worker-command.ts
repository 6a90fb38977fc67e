/**
 * `turnq worker --config <file>`: hosts the actor modules named in the config until SIGTERM or SIGINT,
 * then drains (no new chains; running turns get `drainOngoingCallTimeout`) and exits.
 */
import { createLogger } from '../logging/logger.js';
import { createTurnq } from '../runtime/turnq.js';
import { cliConfig, type CommonFlags } from './cli-config.js';
import { loadActorModules } from './load-actors.js';

export async function runWorker(flags: CommonFlags): Promise<void> {
  const config = await cliConfig(flags);
  const logger = createLogger(config.logLevel, { role: 'worker' });
  const actors = await loadActorModules(config);
  const turnq = await createTurnq({ config, actors, logger });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string): void => {
    if (stopping !== undefined) return;
    logger.info({ signal }, 'draining');
    stopping = turnq.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
  logger.info({ worker: turnq.host?.workerId, types: turnq.host?.hostedTypes, transport: config.transport }, 'worker ready');
  // The transport's consumers keep the process alive until `close` ends them.
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => {
      if (stopping !== undefined) {
        clearInterval(keepAlive);
        void stopping.then(resolve);
      }
    }, 200);
  });
}
