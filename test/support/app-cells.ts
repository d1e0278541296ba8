import type { Narrative, NarrativeClient } from '@narrative/server/client';

/** An app cell as the lab writes it into the notebook's cell metadata. */
export interface AppCellFixture {
  id: string;
  app: string;
  version: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  jobId?: number;
}

/** Saves the narrative's notebook with exactly these app cells, through the Contents API as the lab does. */
export async function saveAppCells(client: NarrativeClient, narrative: Narrative, cells: AppCellFixture[]): Promise<void> {
  const notebook = (await client.notebook(narrative.id)) as { cells: unknown[] };
  notebook.cells = cells.map((c) => ({
    id: c.id, cell_type: 'code', source: '', outputs: [], execution_count: null,
    metadata: { narrative: { app: { id: c.app, version: c.version, params: c.params, inputs: c.inputs, ...(c.jobId ? { jobId: c.jobId } : {}) } } },
  }));
  await client.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: notebook } });
}
