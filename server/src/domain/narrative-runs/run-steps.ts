import { isDeepStrictEqual } from 'node:util';
import { conflict } from '../../errors.js';
import type { NarrativeRunKind } from '../../store/store.js';
import { inTransaction, type Context } from '../context.js';
import type { LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { findApp } from '../apps.js';
import type { Job, JobRerun } from '../jobs/job.js';
import { checkRun, jobDirOf, jobSpecOf, recordJobs, requireExecution, submit, type CheckedRun, type PendingInput } from '../jobs/run.js';
import { recordTransition } from '../jobs/transitions.js';
import { lastRunOf, type Step } from './plan.js';

interface Checked {
  step: Step;
  run: CheckedRun;
  /** Input name → the type the earlier step makes, for the wrapper to check its declaration against. */
  upstreamTypes: Record<string, string>;
  rerun: JobRerun | null;
}

type RunOptions = { kind: NarrativeRunKind; verify: boolean };

/**
 * Runs planned steps of a narrative as one graph: every step is checked
 * before any job exists, the jobs are recorded in one transaction, then each
 * is submitted at once, held by the scheduler until the steps it takes
 * inputs from have completed (Slurm's afterok). A step whose upstream never
 * reached the scheduler fails without running.
 */
export async function runSteps(ctx: Context, caller: Caller, loaded: LoadedNarrative, notebookVersion: number, steps: Step[], o: RunOptions): Promise<number> {
  const execution = requireExecution(ctx);
  if (!execution.scheduler.holdsDependants && steps.some((s) => Object.keys(s.wired).length > 0)) {
    throw conflict(`The ${execution.scheduler.name} scheduler cannot hold a step until the one it takes inputs from has ended: run these app cells one by one.`);
  }
  const checked: Checked[] = [];
  for (const step of steps) checked.push(await checkStep(ctx, caller, loaded, step, steps, o));
  const recorded = await inTransaction(ctx, async (tx) => {
    const runId = await tx.store.createNarrativeRun({ narrative: loaded.narrative.id, narrativeVersion: notebookVersion, userId: caller.id, kind: o.kind, verify: o.verify, createdAt: ctx.now() });
    const ids = new Map<string, number>();
    for (const { step, run, rerun } of checked) {
      const inputs = run.inputs.map((i) => (step.wired[i.name] ? { ...i, from: { job: ids.get(step.wired[i.name]!.cell)!, output: step.wired[i.name]!.output } } : i));
      const startedFrom = { narrative: loaded.narrative.id, narrativeVersion: notebookVersion, cell: step.cell.id };
      const [id] = await recordJobs(tx, caller, loaded.ws, run.app, [{ ...run, inputs }], { ...run.app.spec.resources }, { attempt: 1, retryOf: null, startedFrom, runId, ...(rerun ? { rerun } : {}) }, null);
      ids.set(step.cell.id, id!);
    }
    return { runId, ids };
  });
  const schedulerIds = new Map<number, string | null>();
  for (const { step, run, upstreamTypes } of checked) {
    const id = recorded.ids.get(step.cell.id)!;
    const job = (await ctx.store.getJob(id))!;
    const upstream = [...new Set(Object.values(step.wired).map((w) => recorded.ids.get(w.cell)!))];
    const lost = upstream.filter((u) => !schedulerIds.get(u));
    if (lost.length > 0) {
      await recordTransition(ctx, job, { type: 'failed', at: ctx.now(), failure: { kind: 'dependency', detail: `an earlier step (job ${lost.join(', ')}) could not be submitted` } });
      schedulerIds.set(id, null);
      continue;
    }
    const spec = jobSpecOf(execution, run, id, job.resources, caller.name);
    const fromUpstream = Object.entries(step.wired).map(([name, wire]) => ({ name, type: upstreamTypes[name]!, from: { jobDir: jobDirOf(execution, recorded.ids.get(wire.cell)!), output: wire.output } }));
    schedulerIds.set(id, await submit(ctx, execution, job, { ...spec, inputs: [...spec.inputs, ...fromUpstream] }, upstream.map((u) => schedulerIds.get(u)!)));
  }
  return recorded.runId;
}

/**
 * A step's run request checked as a single run would be (inputs from
 * earlier steps by type), and what it repeats: with `verify`, the cell's
 * last completed run when this one repeats it exactly (same app version,
 * params with that run's seed, and the same input versions); in an update,
 * the run it supersedes.
 */
async function checkStep(ctx: Context, caller: Caller, loaded: LoadedNarrative, step: Step, steps: Step[], o: RunOptions): Promise<Checked> {
  const { cell } = step;
  const pending: Record<string, PendingInput> = {};
  for (const [name, wire] of Object.entries(step.wired)) {
    const source = steps.find((s) => s.cell.id === wire.cell)!.cell;
    const app = await findApp(ctx, source.app, source.version);
    pending[name] = { given: cell.inputs[name]!, type: app.spec.outputs.find((out) => out.name === wire.output)?.type ?? 'unknown' };
  }
  const last = await lastRunOf(ctx, loaded.ws.id, cell);
  const repeats = last?.state === 'completed' && last.appId === cell.app && last.appVersion === cell.version;
  // A verified step repeats its last run's seed, or its outputs could only differ.
  const params = repeats && last.params['seed'] !== undefined && cell.params['seed'] === undefined ? { ...cell.params, seed: last.params['seed'] } : cell.params;
  const objects = Object.fromEntries(Object.entries({ ...cell.inputs, ...step.newer }).filter(([name]) => !step.wired[name]));
  const run = await checkRun(ctx, caller, { app: cell.app, version: cell.version, inputs: objects, params }, `/cells/${cell.id}`, pending);
  const upstreamTypes = Object.fromEntries(Object.entries(pending).map(([name, p]) => [name, p.type]));
  if (!last) return { step, run, upstreamTypes, rerun: null };
  if (o.kind === 'update') return { step, run, upstreamTypes, rerun: { of: last.id, verify: false } };
  const sameInputs = run.inputs.every((i) => step.wired[i.name] || last.inputs.find((l) => l.name === i.name)?.resolved === i.resolved);
  const exact = repeats && isDeepStrictEqual(run.params, last.params) && sameInputs;
  return { step, run, upstreamTypes, rerun: o.verify && exact ? { of: last.id, verify: true } : null };
}
