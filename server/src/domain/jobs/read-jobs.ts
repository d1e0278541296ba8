import type { Store } from '../../store/store.js';
import type { Job } from './job.js';

/**
 * Jobs by id, read one after another (undefined where none is): thousands of reads at once
 * would all wait on the one SQLite connection's lock, whose every release wakes every waiter
 * (quadratic: 46 s for 10,000 jobs, docs/benchmarks.md "bulk").
 */
export async function readJobs(store: Store, ids: readonly number[]): Promise<(Job | undefined)[]> {
  const jobs: (Job | undefined)[] = [];
  for (const id of ids) jobs.push(await store.getJob(id));
  return jobs;
}
