/**
 * `npm run bench`: every figure next to a baseline measured in the same run. Prints a Markdown table
 * for docs/performance.md. `BENCH_ONLY=memory,amqp,bullmq` picks suites; `BENCH_SCALE=0.2` shortens.
 *
 * Each suite is imported when its turn comes: the broker suites load amqplib, BullMQ and ioredis, and
 * with those loaded the in-process path measured about 20% slower (docs/performance.md), which is not
 * what an embedded application, which never loads them, runs.
 */
import { BenchReport } from './report.js';

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const scale = Number(process.env.BENCH_SCALE ?? '1');
const report = new BenchReport();
const wanted = (name: string): boolean => only === undefined || only.includes(name);

console.log(`node ${process.version}, ${new Date().toISOString()}`);
if (wanted('memory')) await (await import('./memory.js')).runMemoryBench(report, scale);
if (wanted('amqp')) await (await import('./amqp.js')).runAmqpBench(report);
if (wanted('bullmq')) await (await import('./bullmq.js')).runBullmqBench(report);
console.log('\n' + report.markdown());
