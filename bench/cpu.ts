/**
 * CPU time of the processes in a benchmark (Linux `/proc/<pid>/stat`; elsewhere the figures are
 * left out): where a call's cost goes when client, server and broker share the machine's cores.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The pid of a local server process by its executable name (`beam.smp`, `redis-server`), if any. */
export function pidOf(name: string): number | undefined {
  try {
    const first = execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n')[0];
    return first === undefined || first === '' ? undefined : Number(first);
  } catch {
    return undefined;
  }
}

/** Sums the CPU time the named processes spend during measured tasks, and the calls they made. */
export class CpuAccount {
  readonly #processes: [string, number | undefined][];
  readonly #totals = new Map<string, number>();
  #calls = 0;

  constructor(processes: Record<string, number | undefined>) {
    this.#processes = Object.entries(processes);
  }

  async around<T>(calls: number, task: () => Promise<T>): Promise<T> {
    const before = this.#processes.map(([, pid]) => cpuMsOf(pid));
    const result = await task();
    this.#processes.forEach(([name, pid], i) => {
      const start = before[i];
      const end = cpuMsOf(pid);
      if (start !== undefined && end !== undefined) this.#totals.set(name, (this.#totals.get(name) ?? 0) + end - start);
    });
    this.#calls += calls;
    return result;
  }

  /** `CPU µs/call: client 51, server 56, broker 109` (empty where /proc is not there). */
  note(): string {
    if (this.#totals.size === 0 || this.#calls === 0) return '';
    const parts = [...this.#totals].map(([name, ms]) => `${name} ${Math.round((ms * 1000) / this.#calls)}`);
    return `CPU µs/call: ${parts.join(', ')}`;
  }
}
