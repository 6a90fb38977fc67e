import { Subject, type Observable } from 'rxjs';

/** What every turn event says about the turn. */
export interface TurnFields {
  actor: string;
  method: string;
  messageId: string;
  reentrancyId: string;
  depth: number;
  /** Number of callers' frames on the call stack (0 for a root call). */
  callers: number;
  worker: string;
}

/** Everything the runtime reports; tests, metrics and tools subscribe to `host.events`. */
export type RuntimeEvent =
  | { type: 'activated'; actor: string; worker: string }
  | ({ type: 'turn-started'; turn: string; reentrant: boolean } & TurnFields)
  | ({ type: 'turn-ended'; turn: string; status: 'ok' | 'error'; code?: string; durationMs: number } & TurnFields)
  | ({ type: 'reentered' } & TurnFields)
  | ({ type: 'waited'; queueLength: number } & TurnFields)
  | ({ type: 'rejected'; code: string } & TurnFields)
  | { type: 'dead-lettered'; code: string; reason: string; worker: string; actor?: string }
  | { type: 'deactivated'; actor: string; worker: string; reason: 'idle' | 'drain' }
  | { type: 'timer-fired'; actor: string; timer: string; reentrancyId: string; worker: string };

export type RuntimeEventType = RuntimeEvent['type'];

/** A stream of runtime events; building an event is skipped while nobody listens. */
export class RuntimeEvents {
  readonly #subject = new Subject<RuntimeEvent>();

  get observed(): boolean {
    return this.#subject.observed;
  }

  get stream(): Observable<RuntimeEvent> {
    return this.#subject.asObservable();
  }

  emit(event: RuntimeEvent): void {
    this.#subject.next(event);
  }

  complete(): void {
    this.#subject.complete();
  }
}
