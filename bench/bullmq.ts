import type { BenchReport } from './report.js';

/** BullMQ figures (filled in by the BullMQ transport). */
export function runBullmqBench(_report: BenchReport): Promise<void> {
  return Promise.resolve();
}
