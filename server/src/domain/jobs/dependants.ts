import { formatRef } from '../refs.js';
import { readSaved, writeSaved, type FailureReason, type SavedOutputs } from '@narrative/launcher-native';
import type { Context, Execution } from '../context.js';
import type { Job, QueuedJob, RunningJob } from './job.js';
import { jobDirOf } from './run.js';
import { hasEnded } from './states.js';

/**
 * A step of a narrative run may have dependants waiting to stage its outputs
 * (the scheduler started them once it exited): they read what the server
 * saved, or why it saved nothing, from its job directory's saved.json.
 */
export async function tellDependants(execution: Execution, job: Job, saved: SavedOutputs): Promise<void> {
  if (job.runId !== null) await writeSaved(jobDirOf(execution, job.id), saved);
}

/** Each output the job saved (or, verified, found identical): its reference and its data as stored. */
export async function savedOutputs(ctx: Context, jobId: number): Promise<SavedOutputs> {
  const outputs: Record<string, { ref: string; data: unknown }> = {};
  for (const [name, key] of await ctx.store.jobOutputs(jobId)) outputs[name] = { ref: formatRef(key), data: (await ctx.store.getVersion(key))!.data };
  return { outputs };
}

/**
 * A server that died between ending a step and telling its dependants left
 * them waiting: each pass tells the dependants still queued or running again.
 */
export async function tellWaitingDependants(ctx: Context, execution: Execution, jobs: (QueuedJob | RunningJob)[]): Promise<void> {
  const upstreamIds = new Set(jobs.flatMap((j) => j.inputs.flatMap((i) => (i.from ? [i.from.job] : []))));
  for (const id of upstreamIds) {
    const upstream = await ctx.store.getJob(id);
    if (!upstream || !hasEnded(upstream.state) || (await readSaved(jobDirOf(execution, id)).catch(() => null))) continue;
    await tellDependants(execution, upstream, upstream.state === 'completed' ? await savedOutputs(ctx, id) : { refused: upstream.state === 'failed' ? describeFailure(upstream.failure) : 'it was cancelled' });
  }
}

export function describeFailure(failure: FailureReason): string {
  if ('message' in failure && failure.message) return failure.message;
  if ('detail' in failure) return failure.detail;
  return failure.kind === 'exit-code' ? `its app exited with code ${failure.code}` : failure.kind;
}
