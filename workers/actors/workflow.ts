/**
 * The demo workflow: a coordinator hands the tasks of a job to worker actors, and each worker reports
 * its result back into the coordinator while the coordinator's own turn is still waiting for it
 * (`Coordinator -> Worker -> Coordinator`, the reentrant call that deadlocks without call-chain
 * reentrancy).
 */
import { Actor } from '../../src/index.js';

export interface Job {
  id: string;
  tasks: number[];
}

export interface JobResult {
  job: string;
  results: number[];
  total: number;
  reports: number;
}

export class Coordinator extends Actor<{ jobs: number; reports: number; totals: Record<string, number> }> {
  static readonly type = 'Coordinator';

  protected override initialState(): { jobs: number; reports: number; totals: Record<string, number> } {
    return { jobs: 0, reports: 0, totals: {} };
  }

  async runJob(job: Job): Promise<JobResult> {
    this.state.jobs++;
    this.state.totals[job.id] = 0;
    const before = this.state.reports;
    const results = await Promise.all(
      job.tasks.map((task, i) => this.actor<TaskWorker>('TaskWorker', `w${i % 3}`).process(this.id, job.id, task)),
    );
    return { job: job.id, results, total: this.state.totals[job.id] ?? 0, reports: this.state.reports - before };
  }

  /** Called back by a worker while `runJob` waits: re-enters the lock of the same chain. */
  report(jobId: string, value: number): number {
    this.state.reports++;
    this.state.totals[jobId] = (this.state.totals[jobId] ?? 0) + value;
    return this.state.totals[jobId] ?? 0;
  }

  stats(): { jobs: number; reports: number } {
    return { jobs: this.state.jobs, reports: this.state.reports };
  }
}

export class TaskWorker extends Actor<{ processed: number }> {
  static readonly type = 'TaskWorker';

  protected override initialState(): { processed: number } {
    return { processed: 0 };
  }

  async process(coordinatorId: string, jobId: string, task: number): Promise<number> {
    const value = task * task;
    this.state.processed++;
    await this.actor<Coordinator>('Coordinator', coordinatorId).report(jobId, value);
    return value;
  }
}
