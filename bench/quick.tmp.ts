import { BenchReport } from './report.js';
import { runMemoryBench } from './memory.js';
const r = new BenchReport();
await runMemoryBench(r, 0.5);
