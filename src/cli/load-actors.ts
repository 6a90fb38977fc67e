import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActorClass } from '../actor/actor.js';
import { ActorRegistry } from '../actor/actor-registry.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { TurnqError } from '../errors/turnq-error.js';

/** Imports the actor modules named in `modules` (relative to the config file) and returns every actor class in them. */
export async function loadActorModules(config: ResolvedConfig): Promise<ActorClass[]> {
  const registry = new ActorRegistry();
  for (const module of config.modules) {
    const file = path.resolve(config.baseDir, module);
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new TurnqError('CONFIG_INVALID', {
        message: `modules: cannot import ${file}: ${(error as Error).message}`,
        details: { key: 'modules', value: module },
        cause: error,
      });
    }
    if (registry.registerModule(exports).length === 0) {
      throw new TurnqError('CONFIG_INVALID', {
        message: `modules: ${file} exports no actor class`,
        details: { key: 'modules', value: module },
      });
    }
  }
  // Which of them this worker hosts (`entities`) is the host's choice (ActorHost), checked there.
  return registry.classes();
}
