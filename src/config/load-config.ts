import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TurnqError } from '../errors/turnq-error.js';
import {
  DEFAULT_CONFIG,
  FIELD_KINDS,
  LOG_LEVELS,
  PER_TYPE_KEYS,
  envName,
  type ActorTypeSettings,
  type EntityOverride,
  type FieldKind,
  type TurnqConfig,
} from './config-schema.js';
import { parseDuration } from './duration.js';

export interface ResolvedConfig extends TurnqConfig {
  /** Directory that relative `modules` paths are resolved against. */
  readonly baseDir: string;
}

export interface LoadConfigOptions {
  /** YAML file; keys it leaves out keep their defaults. */
  file?: string;
  /** Environment to read `TURNQ_...` overrides from (default: none). */
  env?: Record<string, string | undefined>;
  /** Values that win over the file and the environment, same shape as the YAML. */
  overrides?: Record<string, unknown>;
}

function bad(key: string, value: unknown, expected: string): TurnqError {
  return new TurnqError('CONFIG_INVALID', {
    message: `${key}: ${JSON.stringify(value)} is not valid (expected ${expected})`,
    details: { key, value },
  });
}

function coerce(kind: FieldKind, key: string, value: unknown): unknown {
  switch (kind) {
    case 'duration':
      return parseDuration(value, key);
    case 'positive': {
      const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad(key, value, 'a whole number of at least 1');
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad(key, value, 'true or false');
    case 'string':
      if (typeof value !== 'string') throw bad(key, value, 'a string');
      return value;
    case 'strings': {
      const list =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0)) {
        throw bad(key, value, 'a list of non-empty strings');
      }
      return list;
    }
    case 'level':
      if (typeof value !== 'string' || !LOG_LEVELS.has(value)) throw bad(key, value, [...LOG_LEVELS].join(', '));
      return value;
  }
}

/** Flattens `{reentrancy: {enabled: true}}` into `[['reentrancy.enabled', true]]`, rejecting unknown keys. */
function flatten(raw: unknown, where: string, allowed: (key: string) => boolean, prefix = ''): [string, unknown][] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(where || 'config', raw, 'a mapping');
  const out: [string, unknown][] = [];
  for (const [name, value] of Object.entries(raw)) {
    const key = prefix + name;
    if (allowed(key)) {
      out.push([key, value]);
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      [...Object.keys(FIELD_KINDS)].some((k) => k.startsWith(`${key}.`))
    ) {
      out.push(...flatten(value, where, allowed, `${key}.`));
    } else {
      throw new TurnqError('CONFIG_INVALID', { message: `${where}${key}: unknown key`, details: { key } });
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function validateOverride(raw: unknown, index: number): EntityOverride {
  const where = `entitiesConfig[${index}].`;
  const entries = flatten(raw, where, (k) => k === 'entities' || PER_TYPE_KEYS.has(k));
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    setPath(out, key, coerce(FIELD_KINDS[key] ?? 'strings', where + key, value));
  }
  if (!Array.isArray(out.entities) || out.entities.length === 0) throw bad(`${where}entities`, out.entities, 'a list of actor types');
  return out as unknown as EntityOverride;
}

/** Applies one layer (file, environment or overrides) onto `config`, validating every value. */
function applyLayer(config: Record<string, unknown>, raw: unknown, where: string): void {
  const entries = flatten(raw, where, (k) => k in FIELD_KINDS || k === 'entitiesConfig');
  for (const [key, value] of entries) {
    if (key === 'entitiesConfig') {
      if (!Array.isArray(value)) throw bad('entitiesConfig', value, 'a list');
      config.entitiesConfig = value.map(validateOverride);
    } else {
      setPath(config, key, coerce(FIELD_KINDS[key] as FieldKind, key, value));
    }
  }
}

function checkLimits(config: TurnqConfig): void {
  const all = [config, ...config.entitiesConfig.map((e) => ({ ...config, ...e, mailbox: { ...config.mailbox, ...e.mailbox } }))];
  for (const c of all) {
    if (c.mailbox.softLimit > c.mailbox.hardLimit) {
      throw bad('mailbox.softLimit', c.mailbox.softLimit, `at most mailbox.hardLimit (${c.mailbox.hardLimit})`);
    }
  }
}

/** Reads `TURNQ_...` variables for every scalar key (see docs/configuration.md). */
function envLayer(env: Record<string, string | undefined>): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const key of Object.keys(FIELD_KINDS)) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') setPath(layer, key, value);
  }
  return layer;
}

export function resolveConfig(layers: { raw: unknown; where: string }[], baseDir: string): ResolvedConfig {
  const config = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  for (const { raw, where } of layers) {
    if (raw !== undefined && raw !== null) applyLayer(config, raw, where);
  }
  const resolved = config as unknown as TurnqConfig;
  checkLimits(resolved);
  return { ...resolved, baseDir };
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const layers: { raw: unknown; where: string }[] = [];
  let baseDir = process.cwd();
  if (options.file !== undefined) {
    const text = await readFile(options.file, 'utf8').catch((error: unknown) => {
      throw new TurnqError('CONFIG_INVALID', { message: `cannot read config file ${options.file}`, cause: error });
    });
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (error) {
      throw new TurnqError('CONFIG_INVALID', { message: `${options.file} is not valid YAML: ${(error as Error).message}` });
    }
    layers.push({ raw: raw ?? {}, where: '' });
    baseDir = path.dirname(path.resolve(options.file));
  }
  if (options.env !== undefined) layers.push({ raw: envLayer(options.env), where: '' });
  if (options.overrides !== undefined) layers.push({ raw: options.overrides, where: '' });
  return resolveConfig(layers, baseDir);
}

/**
 * The settings of one actor type: the global ones, with every `entitiesConfig` entry naming the type
 * merged over them field by field (also inside `reentrancy` and `mailbox`, unlike Dapr, which replaces
 * the whole `reentrancy` object).
 */
export function settingsFor(config: TurnqConfig, type: string): ActorTypeSettings {
  const settings: ActorTypeSettings = {
    actorIdleTimeout: config.actorIdleTimeout,
    drainOngoingCallTimeout: config.drainOngoingCallTimeout,
    reentrancy: { ...config.reentrancy },
    shards: config.shards,
    mailbox: { ...config.mailbox },
    longTurnWarning: config.longTurnWarning,
  };
  for (const entry of config.entitiesConfig) {
    if (!entry.entities.includes(type)) continue;
    if (entry.actorIdleTimeout !== undefined) settings.actorIdleTimeout = entry.actorIdleTimeout;
    if (entry.drainOngoingCallTimeout !== undefined) settings.drainOngoingCallTimeout = entry.drainOngoingCallTimeout;
    if (entry.shards !== undefined) settings.shards = entry.shards;
    if (entry.longTurnWarning !== undefined) settings.longTurnWarning = entry.longTurnWarning;
    Object.assign(settings.reentrancy, entry.reentrancy);
    Object.assign(settings.mailbox, entry.mailbox);
  }
  return settings;
}
