import type { BenchReport } from './report.js';

/** RabbitMQ figures (filled in by the RabbitMQ transport). */
export function runAmqpBench(_report: BenchReport): Promise<void> {
  return Promise.resolve();
}
