/**
 * The `A -> B -> A` chain every suite measures: `BenchA.run(peer)` calls `BenchB.back`, which calls back
 * into the caller's `BenchA.touch` while `run` still holds its lock (a reentrant call on the priority
 * lane). Three turns, three invocations and three replies per chain; `touch` changes state, so the
 * chain ends with a save.
 */
import { Actor } from '../src/actor/actor.js';

export class BenchA extends Actor<{ n: number }> {
  static readonly type = 'BenchA';
  protected override initialState(): { n: number } {
    return { n: 0 };
  }
  async run(peer: string): Promise<number> {
    return this.actor<BenchB>('BenchB', peer).back(this.id);
  }
  touch(): number {
    return ++this.state.n;
  }
}

export class BenchB extends Actor<Record<string, never>> {
  static readonly type = 'BenchB';
  async back(caller: string): Promise<number> {
    return this.actor<BenchA>('BenchA', caller).touch();
  }
}
