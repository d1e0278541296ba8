import type { Notebook } from '../notebook.js';

/**
 * The imported notebook with each app cell's inputs pointing at the
 * restored versions. A cell's job id is dropped: it named a job on the
 * server the archive came from, and here the cell has not run yet.
 * Inputs given by name stay as they are: objects keep their names.
 */
export function withRestoredRefs(notebook: Notebook, restored: Map<string, string>): Notebook {
  const cells = (Array.isArray(notebook.cells) ? notebook.cells : []).map((cell) => {
    const metadata = cell['metadata'] as { narrative?: { app?: Record<string, unknown> } } | undefined;
    const app = metadata?.narrative?.app;
    if (!app || typeof app !== 'object') return cell;
    const { jobId: _jobId, ...rest } = app;
    const given = typeof rest['inputs'] === 'object' && rest['inputs'] !== null ? (rest['inputs'] as Record<string, unknown>) : {};
    const inputs = Object.fromEntries(Object.entries(given).map(([name, ref]) => [name, typeof ref === 'string' ? (restored.get(ref) ?? ref) : ref]));
    return { ...cell, metadata: { ...metadata, narrative: { ...metadata.narrative, app: { ...rest, inputs } } } };
  });
  return { ...notebook, cells };
}
