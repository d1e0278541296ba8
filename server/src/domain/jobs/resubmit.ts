import type { Resources } from '@narrative/launcher-native';
import type { FailedJob, Job } from './job.js';
import { findApp } from '../apps.js';
import type { Context } from '../context.js';
import { Problem } from '../../errors.js';
import type { AppSpec } from '../../schemas/app-spec.js';
import { repeatRequest } from './repeat.js';
import { runApp } from './run.js';

/**
 * How long after a failure a resubmission the server missed (it stopped in between) is still
 * made: reconcile.ts's pass over recently failed jobs looks this far back, and no further.
 */
export const RESUBMIT_WINDOW_MS = 10 * 60_000;

/**
 * The app spec's policy for bounded automatic resubmission, for one failure: after
 * OUT_OF_MEMORY more memory, after TIMEOUT more time, while attempts remain. The resources
 * the next attempt asks for, or null when the policy asks for none. The one place the
 * policy is read: resubmitting and saying a resubmission is coming (describe.ts) agree.
 */
export function resubmissionResources(job: Pick<FailedJob, 'failure' | 'attempt' | 'resources'>, retry: AppSpec['retry']): Resources | null {
  const kind = job.failure.kind;
  if (kind !== 'out-of-memory' && kind !== 'walltime') return null;
  const policy = kind === 'out-of-memory' ? retry?.outOfMemory : retry?.timeout;
  if (!policy || job.attempt > policy.maxAttempts) return null;
  return kind === 'out-of-memory'
    ? { ...job.resources, memoryMiB: Math.ceil(job.resources.memoryMiB * policy.factor) }
    : { ...job.resources, timeMinutes: Math.ceil(job.resources.timeMinutes * policy.factor) };
}

/**
 * Resubmits a failed job as its app's policy says. Each failed job is resubmitted at most
 * once (a job that already has a retry is left alone), so a reconciler that crashed
 * half-way cannot start two.
 */
export async function resubmitIfPolicySays(ctx: Context, job: Job): Promise<Job | null> {
  if (job.state !== 'failed' || !job.failure) return null;
  if (job.failure.kind !== 'out-of-memory' && job.failure.kind !== 'walltime') return null;
  const app = await findApp(ctx, job.appId, job.appVersion);
  const resources = resubmissionResources(job, app.spec.retry);
  if (!resources) return null;
  if (await ctx.store.findRetryOf(job.id)) return null;
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
    await ctx.store.appendJobEvent(job.id, ctx.now(), { type: REFUSED, detail: error.detail });
    return null;
  }
}

const REFUSED = 'resubmission-refused';

/**
 * Whether a resubmission of this failed job is still to come, so a client waits for it rather
 * than report the failure: the policy asks for one, none was made (`retriedBy`), none was
 * refused, and the failure is recent enough for a server that missed it to make it yet.
 */
export async function resubmissionComing(ctx: Context, job: FailedJob, retriedBy: number | null): Promise<boolean> {
  if (retriedBy !== null || (job.failure.kind !== 'out-of-memory' && job.failure.kind !== 'walltime')) return false;
  const app = await ctx.store.getApp(job.appId, job.appVersion);
  if (!app || !resubmissionResources(job, app.spec.retry)) return false;
  if (Date.parse(ctx.now()) - Date.parse(job.endedAt) > RESUBMIT_WINDOW_MS) return false;
  const events = await ctx.store.jobEvents(job.id, 0);
  return !events.some(({ event }) => (event as { type?: unknown } | null)?.type === REFUSED);
}
