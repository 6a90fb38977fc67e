import { TurnqError } from '../errors/turnq-error.js';
import { Actor, type ActorClass } from './actor.js';

/** Actor type names are used in queue names: letters, digits, `_` and `-`, starting with a letter. */
export const ACTOR_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

export interface ActorTypeEntry {
  readonly type: string;
  readonly cls: ActorClass;
  /** Names a caller may invoke. */
  readonly methods: ReadonlySet<string>;
}

const BASE_NAMES = new Set([...Object.getOwnPropertyNames(Actor.prototype), ...Object.getOwnPropertyNames(Object.prototype)]);

function publicMethods(cls: ActorClass): Set<string> {
  const methods = new Set<string>();
  for (
    let proto: object | null = cls.prototype as object;
    proto !== null && proto !== Actor.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (BASE_NAMES.has(name) || name.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value === 'function') methods.add(name);
    }
  }
  return methods;
}

function invalid(message: string): TurnqError {
  return new TurnqError('ACTOR_DEFINITION_INVALID', { message });
}

/** The actor types a process knows, by explicit type name. */
export class ActorRegistry {
  readonly #types = new Map<string, ActorTypeEntry>();

  register(...classes: ActorClass[]): this {
    for (const cls of classes) {
      if (!(cls.prototype instanceof Actor)) throw invalid(`${cls.name} does not extend Actor`);
      const type = Object.hasOwn(cls, 'type') ? cls.type : undefined;
      if (typeof type !== 'string' || !ACTOR_TYPE_PATTERN.test(type)) {
        throw invalid(`${cls.name} needs its own "static readonly type" matching ${ACTOR_TYPE_PATTERN.source}`);
      }
      const existing = this.#types.get(type);
      if (existing !== undefined && existing.cls !== cls) throw invalid(`actor type ${type} is registered twice`);
      this.#types.set(type, { type, cls, methods: publicMethods(cls) });
    }
    return this;
  }

  get(type: string): ActorTypeEntry | undefined {
    return this.#types.get(type);
  }

  types(): string[] {
    return [...this.#types.keys()];
  }

  classes(): ActorClass[] {
    return [...this.#types.values()].map((entry) => entry.cls);
  }

  /** Registers every exported actor class of a module. */
  registerModule(exports: Record<string, unknown>): string[] {
    const found: string[] = [];
    for (const value of Object.values(exports)) {
      if (typeof value === 'function' && value.prototype instanceof Actor) {
        this.register(value as ActorClass);
        found.push((value as ActorClass).type);
      }
    }
    return found;
  }
}
