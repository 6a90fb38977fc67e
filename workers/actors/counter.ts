import { Actor } from '../../src/index.js';

/** A counter: the smallest useful actor, used by the CLI examples and the exactly-once tests. */
export class Counter extends Actor<{ count: number }> {
  static readonly type = 'Counter';

  protected override initialState(): { count: number } {
    return { count: 0 };
  }

  add(amount: number): number {
    if (typeof amount !== 'number' || !Number.isFinite(amount)) throw new TypeError('add expects a number');
    this.state.count += amount;
    return this.state.count;
  }

  get(): number {
    return this.state.count;
  }

  reset(): void {
    this.state.count = 0;
  }
}
