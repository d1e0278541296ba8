import { outputsOf, type Narrative, type NarrativeClient } from '@narrative/server/client';
import { uploadReads } from './test-app.js';

/** How many cells the large narrative has. */
export const CELLS = 1000;
/** The app of its app cells: the test app (./test-app.ts), registered by the caller. */
export const LARGE_NARRATIVE_APP = { id: 'test/count-lines', version: '1.0.0', name: 'Count lines' };
const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n';

/** What cell `i` of the generated notebook is: markdown, code, app cell, or app cell with a finished job. */
export type CellKind = 'markdown' | 'code' | 'app' | 'job';
export function kindOf(i: number): CellKind {
  if (i % 2 === 1) return ((i - 1) / 2) % 5 === 0 ? 'job' : 'app';
  return i % 4 === 0 ? 'markdown' : 'code';
}

/** The completed job whose state and outputs the app cells with a job carry. */
export interface FinishedJob {
  id: number;
  outputs: string[];
}

/**
 * 1,000 cells: every other one an app cell (a fifth of those with a completed
 * job), the rest markdown and code. `plainCode` puts a plain code cell of the
 * same place wherever an app cell would be: the same notebook without apps.
 */
export function generateCells(reads: string, job: FinishedJob, o: { plainCode?: boolean } = {}): Record<string, unknown>[] {
  return Array.from({ length: CELLS }, (_, i) => {
    const id = `cell-${i}`;
    const kind = kindOf(i);
    if (kind === 'markdown') return { id, cell_type: 'markdown', metadata: {}, source: `## Section ${i}\n\nNotes on step ${i}: *what* was done and why.` };
    if (kind === 'code' || o.plainCode) return { id, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: `# cell ${i}\nx_${i} = ${i} * 2\nprint("step", x_${i})` };
    const app: Record<string, unknown> = { id: LARGE_NARRATIVE_APP.id, version: LARGE_NARRATIVE_APP.version, params: { mode: i % 3 === 0 ? 'slow' : 'ok' }, inputs: { reads } };
    if (kind === 'job') Object.assign(app, { jobId: job.id, state: 'completed', outputs: job.outputs });
    return { id, cell_type: 'code', metadata: { narrative: { app } }, execution_count: null, outputs: [], source: '' };
  });
}

/** Reads uploaded to the narrative's workspace, and one completed job of the test app on them. */
export async function readsAndFinishedJob(client: NarrativeClient, narrative: Narrative): Promise<{ reads: string; job: FinishedJob }> {
  const reads = await uploadReads(client, narrative.wsid, FASTQ);
  const started = await client.run({ app: LARGE_NARRATIVE_APP.id, version: LARGE_NARRATIVE_APP.version, ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' } });
  const job = await client.waitForJob(started.id, { timeoutMs: 60_000, everyMs: 100 });
  if (job.state !== 'completed') throw new Error(`the test app's job ended ${job.state}`);
  return { reads, job: { id: job.id, outputs: outputsOf(job) } };
}

/** Saves `cells` as the narrative's notebook through the Contents API, as the lab does. */
export async function saveCells(client: NarrativeClient, narrative: Narrative, cells: Record<string, unknown>[]): Promise<void> {
  const notebook = await client.notebook(narrative.id);
  await client.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: { ...notebook, cells } } });
}
