import type { NarrativeRunKind } from '../../store/store.js';
import { inTransaction, type Context } from '../context.js';
import type { LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { findApp } from '../apps.js';
import type { Job, JobRerun } from '../jobs/job.js';
import { checkRun, jobDirOf, jobSpecOf, recordJobs, requireExecution, submit, type CheckedRun, type PendingInput } from '../jobs/run.js';
import { recordTransition } from '../jobs/transitions.js';
import type { Step } from './plan.js';

interface Checked {
  step: Step;
  run: CheckedRun;
}

/**
 * Runs planned steps of a narrative as one graph: every step is checked
 * before any job exists, the jobs are recorded in one transaction, then each
 * is submitted at once, held by the scheduler until the steps it takes
 * inputs from have completed (Slurm's afterok). A step whose upstream never
 * reached the scheduler fails without running.
 */
export async function runSteps(ctx: Context, caller: Caller, loaded: LoadedNarrative, notebookVersion: number, steps: Step[], o: { kind: NarrativeRunKind; verify: boolean }): Promise<number> {
  const execution = requireExecution(ctx);
  const checked: Checked[] = [];
  for (const step of steps) checked.push({ step, run: await checkStep(ctx, caller, step, steps) });
  const { runId, ids } = await inTransaction(ctx, async (tx) => {
    const runId = await tx.store.createNarrativeRun({ narrative: loaded.narrative.id, narrativeVersion: notebookVersion, userId: caller.id, kind: o.kind, verify: o.verify, createdAt: ctx.now() });
    const ids = new Map<string, number>();
    for (const { step, run } of checked) {
      const inputs = run.inputs.map((i) => (step.wired[i.name] ? { ...i, from: { job: ids.get(step.wired[i.name]!.cell)!, output: step.wired[i.name]!.output } } : i));
      const startedFrom = { narrative: loaded.narrative.id, narrativeVersion: notebookVersion, cell: step.cell.id };
      const rerun = await rerunOf(tx, step, o);
      const [id] = await recordJobs(tx, caller, loaded.ws, run.app, [{ ...run, inputs }], { ...run.app.spec.resources }, { attempt: 1, retryOf: null, startedFrom, runId, ...(rerun ? { rerun } : {}) }, null);
      ids.set(step.cell.id, id!);
    }
    return { runId, ids };
  });
  const schedulerIds = new Map<number, string | null>();
  for (const { step, run } of checked) {
    const id = ids.get(step.cell.id)!;
    const job = (await ctx.store.getJob(id))!;
    const upstream = [...new Set(Object.values(step.wired).map((w) => ids.get(w.cell)!))];
    const lost = upstream.filter((u) => !schedulerIds.get(u));
    if (lost.length > 0) {
      await recordTransition(ctx, job, { type: 'failed', at: ctx.now(), failure: { kind: 'dependency', detail: `an earlier step (job ${lost.join(', ')}) could not be submitted` } });
      schedulerIds.set(id, null);
      continue;
    }
    const spec = jobSpecOf(execution, run, id, job.resources, caller.name);
    const fromUpstream = Object.entries(step.wired).map(([name, wire]) => ({ name, type: typeOfInput(run, name), from: { jobDir: jobDirOf(execution, ids.get(wire.cell)!), output: wire.output } }));
    const after = upstream.map((u) => schedulerIds.get(u)!);
    schedulerIds.set(id, await submit(ctx, execution, job, { ...spec, inputs: [...spec.inputs, ...fromUpstream] }, after));
  }
  return runId;
}

/** A step's run request checked as a single run would be; inputs from earlier steps are checked by type. */
async function checkStep(ctx: Context, caller: Caller, step: Step, steps: Step[]): Promise<CheckedRun> {
  const { cell } = step;
  const pending: Record<string, PendingInput> = {};
  for (const [name, wire] of Object.entries(step.wired)) {
    const source = steps.find((s) => s.cell.id === wire.cell)!.cell;
    const app = await findApp(ctx, source.app, source.version);
    pending[name] = { given: cell.inputs[name]!, type: app.spec.outputs.find((out) => out.name === wire.output)?.type ?? 'unknown' };
  }
  const objects = Object.fromEntries(Object.entries({ ...cell.inputs, ...step.newer }).filter(([name]) => !step.wired[name]));
  return checkRun(ctx, caller, { app: cell.app, version: cell.version, inputs: objects, params: cell.params }, `/cells/${cell.id}`, pending);
}

/**
 * What a step repeats: with `verify`, the cell's last completed job, which
 * its outputs are compared with; in an update, the run it supersedes.
 */
async function rerunOf(tx: Context, step: Step, o: { kind: NarrativeRunKind; verify: boolean }): Promise<JobRerun | null> {
  if (step.cell.jobId === null) return null;
  const last: Job | undefined = await tx.store.getJob(step.cell.jobId);
  if (!last) return null;
  if (o.verify && o.kind === 'run-all' && last.state === 'completed') return { of: last.id, verify: true };
  return o.kind === 'update' ? { of: last.id, verify: false } : null;
}

function typeOfInput(run: CheckedRun, name: string): string | undefined {
  return run.app.spec.inputs.find((i) => i.name === name)?.types[0];
}
