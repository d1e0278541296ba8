import type { Job } from '@narrative/server/client';

/** What an app cell keeps in its cell metadata under `narrative.app`: saved with the notebook, read back on open. */
export interface IAppCellMetadata {
  id: string;
  version: string;
  params: Record<string, unknown>;
  /** input name → object ref `wsid/objid/ver` */
  inputs: Record<string, string>;
  jobId?: number;
  state?: string;
  outputs?: string[];
  /** The id of the cell that ran the job: a pasted copy has another id, and starts afresh. */
  cellId?: string;
}

/** The cell's metadata recording `job` as its own: its id, state and outputs. */
export function recordJob(metadata: IAppCellMetadata, job: Job): IAppCellMetadata {
  const outputs = job.state === 'completed' && job.outputs ? [...job.outputs] : undefined;
  // A step of a whole-narrative run took an earlier cell's new output: from now on the cell names that one.
  const taken = job.state === 'completed' ? job.inputs.filter((i) => i.from && i.resolved).map((i) => [i.name, i.resolved] as const) : [];
  const inputs = taken.length > 0 ? { inputs: { ...metadata.inputs, ...Object.fromEntries(taken) } } : {};
  return { ...metadata, jobId: job.id, state: job.state, outputs, ...inputs };
}

/** The metadata key of narrative's cell metadata; the app cell is its `app` member. */
export const METADATA_KEY = 'narrative';

interface IMetadataModel {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
}

/** The app cell metadata of a cell model, or null when the cell is no app cell. */
export function appStateOf(model: IMetadataModel): IAppCellMetadata | null {
  const meta = model.getMetadata(METADATA_KEY) as { app?: IAppCellMetadata } | undefined;
  const app = meta?.app;
  if (!app || typeof app !== 'object' || typeof app.id !== 'string' || typeof app.version !== 'string') return null;
  return { ...app, params: app.params ?? {}, inputs: app.inputs ?? {} };
}

/** Writes the app cell metadata, keeping any other `narrative` metadata. */
export function writeAppState(model: IMetadataModel, state: IAppCellMetadata): void {
  const meta = (model.getMetadata(METADATA_KEY) as Record<string, unknown> | undefined) ?? {};
  const clean: IAppCellMetadata = JSON.parse(JSON.stringify(state));
  // Writing the same state again would only mark the notebook dirty, and a notebook written elsewhere (an import, the API) orders its keys its own way.
  if (canonical(meta.app) === canonical(clean)) return;
  model.setMetadata(METADATA_KEY, { ...meta, app: clean });
}

/** JSON with every object's keys in order: equal values, equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
