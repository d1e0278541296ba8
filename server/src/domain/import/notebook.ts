import type { Notebook } from '../notebook.js';
import type { RestoredJobs } from './jobs.js';

/**
 * The imported notebook with each app cell's inputs pointing at the
 * restored versions and its job id at the restored record of its run. A
 * job id the archive carried no run for is dropped: it named a job on the
 * server the archive came from. An input given as `wsid/objid` (its latest
 * version) points at the restored object; one given by name stays as it
 * is: objects keep their names.
 */
export function withRestoredRefs(notebook: Notebook, restored: Map<string, string>, jobs: RestoredJobs): Notebook {
  const objectOf = (ref: string) => ref.split('/').slice(0, 2).join('/');
  const objects = new Map([...restored].map(([from, to]) => [objectOf(from), objectOf(to)]));
  const cells = (Array.isArray(notebook.cells) ? notebook.cells : []).map((cell) => {
    const metadata = cell['metadata'] as { narrative?: { app?: Record<string, unknown> } } | undefined;
    const app = metadata?.narrative?.app;
    if (!app || typeof app !== 'object') return cell;
    const { jobId, ...rest } = app;
    const restoredJob = typeof jobId === 'number' ? jobs.get(jobId) : undefined;
    const given = typeof rest['inputs'] === 'object' && rest['inputs'] !== null ? (rest['inputs'] as Record<string, unknown>) : {};
    const inputs = Object.fromEntries(Object.entries(given).map(([name, ref]) => [name, typeof ref === 'string' ? (restored.get(ref) ?? objects.get(ref) ?? ref) : ref]));
    return { ...cell, metadata: { ...metadata, narrative: { ...metadata.narrative, app: { ...rest, inputs, ...(restoredJob === undefined ? {} : { jobId: restoredJob }) } } } };
  });
  return { ...notebook, cells };
}
