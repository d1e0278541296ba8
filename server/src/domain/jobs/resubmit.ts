import type { Resources } from '@narrative/launcher-native';
import type { Job } from './job.js';
import { findApp } from '../apps.js';
import type { Context } from '../context.js';
import { Problem } from '../../errors.js';
import { repeatRequest } from './repeat.js';
import { runApp } from './run.js';

/**
 * The app spec's policy for bounded automatic resubmission: after
 * OUT_OF_MEMORY with more memory, after TIMEOUT with more time. Each failed
 * job is resubmitted at most once (a job that already has a retry is left
 * alone), so a reconciler that crashed half-way cannot start two.
 */
export async function resubmitIfPolicySays(ctx: Context, job: Job): Promise<Job | null> {
  if (job.state !== 'failed' || !job.failure) return null;
  const kind = job.failure.kind;
  if (kind !== 'out-of-memory' && kind !== 'walltime') return null;
  const app = await findApp(ctx, job.appId, job.appVersion);
  const policy = kind === 'out-of-memory' ? app.spec.retry?.outOfMemory : app.spec.retry?.timeout;
  if (!policy || job.attempt > policy.maxAttempts) return null;
  if (await ctx.store.findRetryOf(job.id)) return null;
  const resources: Resources =
    kind === 'out-of-memory'
      ? { ...job.resources, memoryMiB: Math.ceil(job.resources.memoryMiB * policy.factor) }
      : { ...job.resources, timeMinutes: Math.ceil(job.resources.timeMinutes * policy.factor) };
  const owner = (await ctx.store.findUserById(job.userId))!;
  const ws = (await ctx.store.getWorkspace(job.wsid))!;
  try {
    const { job: next } = await runApp(ctx, { id: owner.id, name: owner.name, role: owner.role }, ws, await repeatRequest(ctx, job), {
      attempt: job.attempt + 1, retryOf: job.id, resources, startedFrom: job.origin, ...(job.rerun ? { rerun: job.rerun } : {}),
    });
    return next;
  } catch (error) {
    // An input gone or unreadable since: the job stays failed, and its events say why it was not resubmitted.
    if (!(error instanceof Problem)) throw error;
    await ctx.store.appendJobEvent(job.id, ctx.now(), { type: 'resubmission-refused', detail: error.detail });
    return null;
  }
}
