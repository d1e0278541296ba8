import { lastRunOf } from '../narrative-runs/plan.js';
import { appCellsOf } from '../narrative-runs/app-cells.js';
import type { Context } from '../context.js';
import { readNotebook, type LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { formatRef } from '../refs.js';
import { inDependencyOrder } from './order.js';
import type { RunGraph, StepNode } from './run-graph.js';
import { appNode, readableJob, refsOfRuns, runOf, unknownApp, versionNodes } from './runs.js';

/**
 * A narrative as a workflow: its latest notebook is the plan, each app cell
 * a step, and the job the cell records is that step's run (the one that made
 * the outputs the cell shows). The cell's job id is the user's document, so
 * a job is only described when the exporter may read it anyway.
 */
export async function narrativeGraph(ctx: Context, caller: Caller | null, loaded: LoadedNarrative, base: string): Promise<RunGraph> {
  const { notebook, version } = await readNotebook(ctx, loaded);
  const steps: StepNode[] = [];
  for (const cell of appCellsOf(notebook)) {
    // The cell's own run only: a job of another workspace (a copy's cells name the original's) or of another app is none of this notebook's provenance.
    const last = await lastRunOf(ctx, loaded.ws.id, cell);
    const job = last && last.appId === cell.app && last.appVersion === cell.version ? await readableJob(ctx, caller, last.id) : null;
    steps.push({
      id: cell.id,
      position: cell.position,
      name: `Cell ${cell.position + 1}: ${cell.app}@${cell.version}`,
      app: (await appNode(ctx, cell.app, cell.version)) ?? unknownApp(cell.app, cell.version, ''),
      run: job && (await runOf(ctx, job)),
    });
  }
  // Cells keep their numbers; positions follow the runs, should a cell's input come from a later cell's run.
  const positions = new Map(inDependencyOrder(steps, (s) => s.run).map((s, position) => [s, position]));
  for (const step of steps) step.position = positions.get(step)!;
  const notebookRef = formatRef(version);
  return {
    slug: `narrative-${loaded.narrative.id}`,
    title: loaded.narrative.title,
    description: `Narrative ${loaded.narrative.id} (notebook version ${notebookRef}, owned by ${loaded.ws.ownerName}): its app cells and the runs that made their outputs.`,
    base,
    exportedAt: ctx.now(),
    // nbformat's own layout (one-space indent), so the file reads as any saved .ipynb does.
    workflow: { fileName: 'narrative.ipynb', content: Buffer.from(`${JSON.stringify(notebook, null, 1)}\n`), language: 'notebook', ref: notebookRef },
    steps,
    versions: await versionNodes(ctx, caller, refsOfRuns(steps.map((s) => s.run))),
    links: [],
    codeSteps: [],
  };
}
