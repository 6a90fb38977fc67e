import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type ResolvedConfig } from '../config/load-config.js';

export interface CommonFlags {
  config?: string | undefined;
  transport?: string | undefined;
}

/** `config/default.yaml` of the working directory when no `--config` is given and it exists. */
export function defaultConfigFile(): string | undefined {
  const file = path.resolve('config/default.yaml');
  return existsSync(file) ? file : undefined;
}

/** File, then `TURNQ_…` environment, then command-line flags. */
export function cliConfig(flags: CommonFlags, extra: Record<string, unknown> = {}): Promise<ResolvedConfig> {
  const file = flags.config ?? defaultConfigFile();
  const overrides: Record<string, unknown> = { ...extra };
  if (flags.transport !== undefined) overrides.transport = flags.transport;
  return loadConfig({ ...(file === undefined ? {} : { file }), env: process.env, overrides });
}
