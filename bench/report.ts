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

/**
 * Round by round ratio of two contenders measured one after the other (`value(a[i]) / value(b[i])`):
 * `median 1.30x (1.21-1.45x) over 7 rounds`. Pairing each round with its neighbour in time cancels the
 * drift of a shared machine that a ratio of medians keeps.
 */
export function pairedRatio(a: Measured[] | undefined, b: Measured[] | undefined, value: (m: Measured) => number): string {
  const ratios: number[] = [];
  const list = a ?? [];
  list.forEach((m, i) => {
    const base = b?.[i];
    if (base !== undefined) ratios.push(value(m) / value(base));
  });
  if (ratios.length === 0) return '';
  ratios.sort((x, y) => x - y);
  const mid = ratios[Math.floor(ratios.length / 2)] ?? 0;
  const low = ratios[0] ?? 0;
  const high = ratios[ratios.length - 1] ?? 0;
  return `median ${mid.toFixed(2)}x (${low.toFixed(2)}-${high.toFixed(2)}x) over ${ratios.length} rounds`;
}
