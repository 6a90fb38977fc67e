/**
 * Typed proxies over a single `invoke(method, args)` function. The proxy is not thenable (it answers
 * `undefined` for `then`), so it can be returned from async functions.
 */
export type Invoke = (method: string, args: unknown[]) => Promise<unknown>;

// The proxy's type is chosen by the caller (ActorProxy<T>); nothing in the arguments can carry it.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function createProxy<P>(invoke: Invoke): P {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let method = cache.get(property);
      if (method === undefined) {
        method = (...args: unknown[]) => invoke(property, args);
        cache.set(property, method);
      }
      return method;
    },
  }) as P;
}
