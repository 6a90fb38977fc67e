/** Spawns test/redis/fixtures/redis-worker.ts as a child process and reads its JSON lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REDIS_URL } from './redis-helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/redis-worker.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly workerId: string;
  /** Resolves with the first stdout line (parsed) for which `match` is true. */
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

async function spawnWorker(namespace: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, TURNQ_NAMESPACE: namespace, TURNQ_TRANSPORT: REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code: number | null) => {
      resolve(code);
    });
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { text };
    }
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.add({ match, resolve });
      void exited.then((code) => {
        reject(new Error(`worker exited (${String(code)}) before the expected line`));
      });
    });
  };
  const ready = await waitFor((line) => typeof line.ready === 'string');
  return {
    child,
    workerId: ready.ready as string,
    waitFor,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Spawns a worker process, killed (SIGKILL) when the test ends whatever happened to it. */
export async function spawnTestWorker(t: ExecutionContext, namespace: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = await spawnWorker(namespace, env);
  t.teardown(async () => {
    worker.kill('SIGKILL');
    await worker.exited;
  });
  return worker;
}
