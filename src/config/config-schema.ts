/**
 * The shape, defaults and field kinds of turnq's configuration. Keys follow Dapr's actor runtime
 * configuration where Dapr has one; docs/configuration.md lists every key with its default.
 */
export interface ReentrancySettings {
  enabled: boolean;
  maxStackDepth: number;
}

export interface MailboxSettings {
  /** Waiting messages per actor above which a warning is logged (once per crossing). */
  softLimit: number;
  /** Waiting messages per actor above which new calls are rejected with ACTOR_OVERLOADED. */
  hardLimit: number;
}

/** Settings that `entitiesConfig` may override per actor type. */
export interface ActorTypeSettings {
  actorIdleTimeout: number;
  drainOngoingCallTimeout: number;
  reentrancy: ReentrancySettings;
  shards: number;
  mailbox: MailboxSettings;
  longTurnWarning: number;
}

export interface EntityOverride {
  entities: string[];
  actorIdleTimeout?: number;
  drainOngoingCallTimeout?: number;
  reentrancy?: Partial<ReentrancySettings>;
  shards?: number;
  mailbox?: Partial<MailboxSettings>;
  longTurnWarning?: number;
}

export interface TurnqConfig extends ActorTypeSettings {
  /** Actor types this worker hosts (empty: every type found in `modules`). */
  entities: string[];
  /** Actor modules the worker imports, relative to the config file. */
  modules: string[];
  actorScanInterval: number;
  drainRebalancedActors: boolean;
  /** `memory://`, `amqp://user:pass@host:5672`, or `redis://host:6379`. */
  transport: string;
  /** `memory://` or `redis://host:6379`; empty: memory for the memory transport, the same Redis for redis. */
  stateStore: string;
  /** Prefix of every queue, exchange and key name. */
  namespace: string;
  /** Default timeout of a call made without one. */
  callTimeout: number;
  /** Unacknowledged runnable messages a worker takes per shard queue. */
  prefetch: number;
  maxMessageBytes: number;
  logLevel: string;
  entitiesConfig: EntityOverride[];
}

export const DEFAULT_CONFIG: TurnqConfig = {
  entities: [],
  modules: [],
  actorIdleTimeout: 60 * 60_000,
  actorScanInterval: 30_000,
  drainOngoingCallTimeout: 60_000,
  drainRebalancedActors: true,
  reentrancy: { enabled: false, maxStackDepth: 32 },
  shards: 4,
  mailbox: { softLimit: 1000, hardLimit: 10_000 },
  longTurnWarning: 5000,
  transport: 'memory://',
  stateStore: '',
  namespace: 'turnq',
  callTimeout: 30_000,
  prefetch: 64,
  maxMessageBytes: 1024 * 1024,
  logLevel: 'info',
  entitiesConfig: [],
};

export type FieldKind = 'duration' | 'positive' | 'boolean' | 'string' | 'strings' | 'level';

/** Kind of each scalar key; nested objects are written as `parent.child`. */
export const FIELD_KINDS: Readonly<Record<string, FieldKind>> = {
  entities: 'strings',
  modules: 'strings',
  actorIdleTimeout: 'duration',
  actorScanInterval: 'duration',
  drainOngoingCallTimeout: 'duration',
  drainRebalancedActors: 'boolean',
  'reentrancy.enabled': 'boolean',
  'reentrancy.maxStackDepth': 'positive',
  shards: 'positive',
  'mailbox.softLimit': 'positive',
  'mailbox.hardLimit': 'positive',
  longTurnWarning: 'duration',
  transport: 'string',
  stateStore: 'string',
  namespace: 'string',
  callTimeout: 'duration',
  prefetch: 'positive',
  maxMessageBytes: 'positive',
  logLevel: 'level',
};

/** Keys an `entitiesConfig` entry may set besides `entities`. */
export const PER_TYPE_KEYS = new Set([
  'actorIdleTimeout',
  'drainOngoingCallTimeout',
  'reentrancy.enabled',
  'reentrancy.maxStackDepth',
  'shards',
  'mailbox.softLimit',
  'mailbox.hardLimit',
  'longTurnWarning',
]);

export const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** `reentrancy.maxStackDepth` -> `TURNQ_REENTRANCY_MAX_STACK_DEPTH`. */
export function envName(path: string): string {
  return `TURNQ_${path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`;
}
