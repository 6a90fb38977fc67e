/** Collects benchmark rows and prints them as a Markdown table (pasted into docs/performance.md). */
export interface BenchRow {
  suite: string;
  name: string;
  /** Calls (or messages) per second, when measured. */
  rate?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Free text: bytes per activation, ratio to a baseline, and so on. */
  note?: string;
}

export class BenchReport {
  readonly rows: BenchRow[] = [];

  add(row: BenchRow): void {
    this.rows.push(row);
    console.log(formatRow(row));
  }

  markdown(): string {
    return [
      '| suite | what | calls/s | p50 ms | p99 ms | note |',
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...this.rows.map(formatRow),
    ].join('\n');
  }
}

function num(value: number | undefined, digits: number): string {
  return value === undefined ? '' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function formatRow(row: BenchRow): string {
  return `| ${row.suite} | ${row.name} | ${num(row.rate, 0)} | ${num(row.p50Ms, 3)} | ${num(row.p99Ms, 3)} | ${row.note ?? ''} |`;
}

/** Runs `total` calls of `call` with `inFlight` of them outstanding; returns rate and latency percentiles. */
export async function measure(total: number, inFlight: number, call: (i: number) => Promise<unknown>): Promise<Measured> {
  const latencies = new Float64Array(total);
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await call(i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const elapsed = performance.now() - started;
  latencies.sort();
  return {
    rate: (total / elapsed) * 1000,
    p50Ms: latencies[Math.floor(total * 0.5)] ?? 0,
    p99Ms: latencies[Math.min(total - 1, Math.floor(total * 0.99))] ?? 0,
  };
}

export interface Measured {
  rate: number;
  p50Ms: number;
  p99Ms: number;
}

/** Per field median of a few measurements. */
export function median(runs: Measured[] | undefined): Measured {
  const list = runs ?? [];
  const mid = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { rate: mid(list.map((r) => r.rate)), p50Ms: mid(list.map((r) => r.p50Ms)), p99Ms: mid(list.map((r) => r.p99Ms)) };
}

export const ratio = (value: number, base: number): string => `${(value / base).toFixed(2)}x`;
