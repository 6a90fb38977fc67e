/**
 * `npm run bench`: every figure next to a baseline measured in the same run. Prints a Markdown table
 * for docs/performance.md. `BENCH_ONLY=memory,amqp,bullmq` picks suites; `BENCH_SCALE=0.2` shortens.
 */
import { runAmqpBench } from './amqp.js';
import { runBullmqBench } from './bullmq.js';
import { runMemoryBench } from './memory.js';
import { BenchReport } from './report.js';

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const scale = Number(process.env.BENCH_SCALE ?? '1');
const report = new BenchReport();
const wanted = (name: string): boolean => only === undefined || only.includes(name);

console.log(`node ${process.version}, ${new Date().toISOString()}`);
if (wanted('memory')) await runMemoryBench(report, scale);
if (wanted('amqp')) await runAmqpBench(report);
if (wanted('bullmq')) await runBullmqBench(report);
console.log('\n' + report.markdown());
