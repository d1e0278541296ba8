import { invalidContent } from '../../errors.js';
import type { Notebook } from '../notebook.js';
import { printable } from '../refs.js';

/** An app cell as the notebook keeps it (the lab writes it under `metadata.narrative.app`). */
export interface AppCell {
  /** The cell's nbformat id. */
  id: string;
  /** Its place among the notebook's app cells, from 0. */
  position: number;
  app: string;
  version: string;
  params: Record<string, unknown>;
  /** Input name → the object reference given. */
  inputs: Record<string, string>;
  /** The cell's latest job, if it ran. */
  jobId: number | null;
}

/**
 * The app cells of a notebook in order. A cell whose metadata is not an app
 * cell's (another extension's, or a hand edit) is skipped, not fatal: the
 * notebook is the user's document.
 */
export function appCellsOf(notebook: Notebook): AppCell[] {
  const cells: AppCell[] = [];
  const seen = new Set<string>();
  for (const cell of Array.isArray(notebook.cells) ? notebook.cells : []) {
    const app = (cell['metadata'] as { narrative?: { app?: unknown } } | undefined)?.narrative?.app as Record<string, unknown> | undefined;
    if (!app || typeof app !== 'object' || typeof app['id'] !== 'string' || typeof app['version'] !== 'string' || typeof cell['id'] !== 'string') continue;
    // A step is known by its cell's id: two cells with one id (a hand edit) would be one step run twice.
    if (seen.has(cell['id'])) throw invalidContent(`Two app cells have the id ${printable(cell['id'])}; give one another id (copy and paste it anew) and save.`, [{ path: `/cells/${cells.length}/id`, message: 'is not unique' }]);
    seen.add(cell['id']);
    cells.push({
      id: cell['id'],
      position: cells.length,
      app: app['id'],
      version: app['version'],
      params: isRecord(app['params']) ? app['params'] : {},
      inputs: isRecord(app['inputs']) ? Object.fromEntries(Object.entries(app['inputs']).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
      jobId: Number.isSafeInteger(app['jobId']) ? (app['jobId'] as number) : null,
    });
  }
  return cells;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
