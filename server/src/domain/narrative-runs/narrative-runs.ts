import { invalidContent, notFound } from '../../errors.js';
import type { NarrativeRun, UpdatePlan } from '../../schemas/narrative-runs.js';
import type { NarrativeRunKind } from '../../store/store.js';
import type { Context } from '../context.js';
import { describeJob } from '../jobs/describe.js';
import { hasEnded } from '../jobs/states.js';
import { readNotebook, type LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { appCellsOf } from './app-cells.js';
import { planRunAll, planUpdate, type Step } from './plan.js';
import { runSteps } from './run-steps.js';

/** Runs every app cell of the narrative's latest saved notebook as one graph. */
export async function runAll(ctx: Context, caller: Caller, loaded: LoadedNarrative, verify: boolean): Promise<NarrativeRun> {
  const { notebook, version } = await readNotebook(ctx, loaded);
  const steps = await planRunAll(ctx, caller, await lineage(ctx, loaded), appCellsOf(notebook));
  if (steps.length === 0) throw invalidContent(`Narrative ${loaded.narrative.id} has no app cells to run (in its saved notebook).`, [{ path: '/cells', message: 'no app cells' }]);
  return start(ctx, caller, loaded, version.ver, steps, 'run-all', verify);
}

/** Which cells an update would re-run, and why; nothing runs. */
export async function updatePlan(ctx: Context, caller: Caller, loaded: LoadedNarrative): Promise<UpdatePlan> {
  const { notebook, version } = await readNotebook(ctx, loaded);
  const steps = await planUpdate(ctx, caller, await lineage(ctx, loaded), loaded.ws.id, appCellsOf(notebook));
  return { narrative: loaded.narrative.id, narrativeVersion: version.ver, cells: steps.map(described) };
}

/** Re-runs exactly the cells the update plan names, with their newer inputs; null when nothing is out of date. */
export async function update(ctx: Context, caller: Caller, loaded: LoadedNarrative): Promise<NarrativeRun | null> {
  const { notebook, version } = await readNotebook(ctx, loaded);
  const steps = await planUpdate(ctx, caller, await lineage(ctx, loaded), loaded.ws.id, appCellsOf(notebook));
  return steps.length === 0 ? null : start(ctx, caller, loaded, version.ver, steps, 'update', false);
}

export async function describeRun(ctx: Context, loaded: LoadedNarrative, runId: number): Promise<NarrativeRun> {
  const run = await ctx.store.getNarrativeRun(runId);
  if (!run || run.narrative !== loaded.narrative.id) throw notFound(`Narrative ${loaded.narrative.id} has no run ${runId}.`);
  const jobs = await ctx.store.jobsOfRun(run.id);
  const user = await ctx.store.findUserById(run.userId);
  const count = (state: string) => jobs.filter((j) => j.state === state).length;
  const ended = jobs.filter((j) => hasEnded(j.state)).length;
  const completed = count('completed');
  return {
    id: run.id, narrative: run.narrative, narrativeVersion: run.narrativeVersion, kind: run.kind, verify: run.verify, user: user?.name ?? 'unknown', createdAt: run.createdAt,
    steps: await Promise.all(jobs.map(async (job) => ({
      cell: job.origin?.cell ?? null,
      job: await describeJob(ctx, job),
      after: [...new Set(job.inputs.flatMap((i) => (i.from ? [i.from.job] : [])))],
    }))),
    progress: { total: jobs.length, ended, completed, failed: count('failed'), cancelled: count('cancelled'), running: count('running') },
    state: ended < jobs.length ? 'running' : completed === jobs.length ? 'completed' : 'failed',
  };
}

/** The narrative and those it was copied from: its copied objects' provenance names those. */
async function lineage(ctx: Context, loaded: LoadedNarrative): Promise<Set<number>> {
  const ids = new Set([loaded.narrative.id]);
  for (let from = loaded.narrative.copiedFrom; from !== null && !ids.has(from) && ids.size < MAX_COPY_DEPTH; ) {
    ids.add(from);
    from = (await ctx.store.getNarrative(from))?.copiedFrom ?? null;
  }
  return ids;
}

const MAX_COPY_DEPTH = 100;

async function start(ctx: Context, caller: Caller, loaded: LoadedNarrative, notebookVersion: number, steps: Step[], kind: NarrativeRunKind, verify: boolean): Promise<NarrativeRun> {
  const runId = await runSteps(ctx, caller, loaded, notebookVersion, steps, { kind, verify });
  return describeRun(ctx, loaded, runId);
}

function described(step: Step): UpdatePlan['cells'][number] {
  return { cell: step.cell.id, position: step.cell.position + 1, app: step.cell.app, version: step.cell.version, reasons: step.reasons, wired: step.wired, newer: step.newer };
}
