/**
 * Turns the runtime's event stream into the enter/exit tree of each call chain:
 *
 *   chain 5f3a…  Coordinator/c1.runJob
 *   ├▶ Coordinator/c1.runJob            depth 1
 *   │ ├▶ TaskWorker/w0.process          depth 1
 *   │ │ ├▶ Coordinator/c1.report        depth 2  (re-entered)
 *   │ │ └◀ Coordinator/c1.report        ok 0.1 ms
 *   …
 */
import type { Observable, Subscription } from 'rxjs';
import type { RuntimeEvent } from '../events/runtime-events.js';

export interface ChainStats {
  chains: number;
  turns: number;
  reentered: number;
  waited: number;
  errors: number;
  maxDepth: number;
}

export class ChainPrinter {
  readonly stats: ChainStats = { chains: 0, turns: 0, reentered: 0, waited: 0, errors: 0, maxDepth: 0 };
  readonly #lines = new Map<string, string[]>();
  readonly #subscription: Subscription;

  constructor(events: Observable<RuntimeEvent>) {
    this.#subscription = events.subscribe((event) => {
      this.#record(event);
    });
  }

  #record(event: RuntimeEvent): void {
    if (event.type === 'reentered') this.stats.reentered++;
    if (event.type === 'waited') this.stats.waited++;
    if (event.type !== 'turn-started' && event.type !== 'turn-ended') return;
    let lines = this.#lines.get(event.reentrancyId);
    if (lines === undefined) {
      lines = [];
      this.#lines.set(event.reentrancyId, lines);
      this.stats.chains++;
    }
    const indent = '│ '.repeat(event.callers);
    const name = `${event.actor}.${event.method}`;
    if (event.type === 'turn-started') {
      this.stats.turns++;
      this.stats.maxDepth = Math.max(this.stats.maxDepth, event.depth);
      lines.push(`${indent}├▶ ${name.padEnd(40 - indent.length)} depth ${event.depth}${event.reentrant ? '  (re-entered)' : ''}`);
    } else {
      if (event.status === 'error') this.stats.errors++;
      const outcome = event.status === 'ok' ? 'ok' : `error ${event.code ?? ''}`;
      lines.push(`${indent}└◀ ${name.padEnd(40 - indent.length)} ${outcome} ${event.durationMs.toFixed(1)} ms`);
    }
  }

  /** The tree of one chain, by the reentrancy id its root turn ran with. */
  tree(reentrancyId: string): string {
    return (this.#lines.get(reentrancyId) ?? []).join('\n');
  }

  close(): void {
    this.#subscription.unsubscribe();
  }
}
