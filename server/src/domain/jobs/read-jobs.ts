import type { Store } from '../../store/store.js';
import type { Job } from './job.js';

/** Jobs by id, in the order asked (undefined where none is), read as the store reads many: a statement per thousand rather than one per job. */
export async function readJobs(store: Store, ids: readonly number[]): Promise<(Job | undefined)[]> {
  const found = new Map((await store.getJobs(ids)).map((job) => [job.id, job]));
  return ids.map((id) => found.get(id));
}
