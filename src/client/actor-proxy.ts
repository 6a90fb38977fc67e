/**
 * Typed proxies over a single `invoke(method, args)` function. The proxy is not thenable (it answers
 * `undefined` for `then`), so it can be returned from async functions.
 */
export type Invoke = (method: string, args: unknown[]) => Promise<unknown>;

// The proxy's type is chosen by the caller (ActorProxy<T>); nothing in the arguments can carry it.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function createProxy<P>(invoke: Invoke): P {
  // Methods are kept once made, so a proxy held and called often makes each once; the first is kept
  // apart, so the one-call proxy of `this.actor(type, id).method()` costs no map.
  type Method = (...args: unknown[]) => Promise<unknown>;
  let firstName: string | undefined;
  let first: Method | undefined;
  let others: Map<string, Method> | undefined;
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      if (property === firstName) return first;
      let method = others?.get(property);
      if (method === undefined) {
        method = (...args: unknown[]) => invoke(property, args);
        if (firstName === undefined) {
          firstName = property;
          first = method;
        } else {
          (others ??= new Map()).set(property, method);
        }
      }
      return method;
    },
  }) as P;
}
