/**
 * The main job (`npm start`): on the embedded memory transport unless `--transport` says otherwise,
 * coordinators dispatch jobs to worker actors that call back into their coordinator
 * (`Coordinator -> TaskWorker -> Coordinator`). Prints the enter/exit tree of each chain, then a
 * summary, then a short load of counter increments.
 */
import type { ActorProxy } from '../actor/actor-types.js';
import { cliConfig, type CommonFlags } from '../cli/cli-config.js';
import { loadActorModules } from '../cli/load-actors.js';
import { createLogger } from '../logging/logger.js';
import { createTurnq } from '../runtime/turnq.js';
import { ChainPrinter } from './chain-printer.js';

interface CoordinatorApi {
  runJob(job: { id: string; tasks: number[] }): Promise<{ job: string; results: number[]; total: number; reports: number }>;
  stats(): { jobs: number; reports: number };
}

interface CounterApi {
  add(amount: number): number;
  get(): number;
}

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export async function runDemo(flags: CommonFlags): Promise<void> {
  const config = await cliConfig(flags, { logLevel: 'warn', namespace: 'turnq-demo' });
  const actors = await loadActorModules(config);
  const turnq = await createTurnq({ config, actors, logger: createLogger(config.logLevel) });
  const host = turnq.host;
  if (host === undefined) throw new Error('the demo hosts its actors');
  const printer = new ChainPrinter(host.events.stream);
  const started = performance.now();
  try {
    out(`turnq demo on ${turnq.transport.kind} (worker ${host.workerId}), reentrancy ${config.reentrancy.enabled ? 'on' : 'off'}`);
    const jobs = [
      { coordinator: 'c1', job: { id: 'job-1', tasks: [1, 2, 3] } },
      { coordinator: 'c1', job: { id: 'job-2', tasks: [4, 5] } },
      { coordinator: 'c2', job: { id: 'job-3', tasks: [6, 7, 8, 9] } },
    ];
    const roots = new Map<string, string>();
    const subscription = host.events.stream.subscribe((event) => {
      if (event.type === 'turn-started' && event.callers === 0 && event.method === 'runJob')
        roots.set(`${event.actor}#${roots.size}`, event.reentrancyId);
    });
    const results = await Promise.all(
      jobs.map(({ coordinator, job }) => turnq.client.actor<CoordinatorApi>('Coordinator', coordinator).runJob(job)),
    );
    subscription.unsubscribe();
    for (const [root, chain] of roots) {
      out();
      out(`chain ${chain.slice(0, 8)}…  ${root.split('#')[0] ?? root}.runJob`);
      out(printer.tree(chain));
    }
    out();
    for (const result of results)
      out(
        `${result.job}: results ${JSON.stringify(result.results)}, total ${result.total}, ${result.reports} reports re-entered the coordinator`,
      );
    const stats = await turnq.client.actor<CoordinatorApi>('Coordinator', 'c1').stats();
    out(`Coordinator/c1 state: ${stats.jobs} jobs, ${stats.reports} reports (two chains on one actor ran one after the other)`);

    const counters = 100;
    const calls = 5000;
    const loadStarted = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < calls) {
        const i = next++;
        await turnq.client.actor<CounterApi>('Counter', `k${i % counters}`).add(1);
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    const loadMs = performance.now() - loadStarted;
    const sample = await turnq.client.actor<ActorProxy<CounterApi> & CounterApi>('Counter', 'k7').get();
    out(
      `load: ${calls} increments over ${counters} counters, 64 in flight: ${Math.round((calls / loadMs) * 1000)} calls/s; Counter/k7 = ${sample} (state in ${turnq.store.kind})`,
    );

    const s = printer.stats;
    out();
    out(
      `summary: ${s.chains} chains, ${s.turns} turns, ${s.reentered} re-entries, ${s.waited} waits for a lock, max depth ${s.maxDepth}, ${s.errors} errors, ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    printer.close();
    await turnq.close();
  }
}
