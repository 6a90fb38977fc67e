/** Waiting for what a worker reports on its event stream (subscribe before causing the event). */
import type { RuntimeEvent, RuntimeEvents } from '../../src/events/runtime-events.js';

type EventOf<K extends RuntimeEvent['type']> = Extract<RuntimeEvent, { type: K }>;

/** Resolves with the `count`th event of `type` that matches (the first by default). */
export function eventSeen<K extends RuntimeEvent['type']>(
  host: { readonly events: RuntimeEvents },
  type: K,
  match: (event: EventOf<K>) => boolean = () => true,
  count = 1,
): Promise<EventOf<K>> {
  return new Promise((resolve) => {
    let seen = 0;
    const subscription = host.events.stream.subscribe((event) => {
      if (event.type !== type || !match(event as EventOf<K>) || ++seen < count) return;
      subscription.unsubscribe();
      resolve(event as EventOf<K>);
    });
  });
}

/** Resolves once `count` calls have waited in the mailbox of `actor`. */
export function waited(host: { readonly events: RuntimeEvents }, actor: string, count: number): Promise<unknown> {
  return eventSeen(host, 'waited', (event) => event.actor === actor, count);
}
