import type { Job } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Job as StoredJob } from './job.js';
import { queueText } from './queue-text.js';
import { resubmissionComing } from './resubmit.js';
import { usageOf } from './usage.js';

/** A job as the API publishes it: the stored job's own fields by state, with who ran it, what retried it and whether a resubmission is coming. */
export async function describeJob(ctx: Context, j: StoredJob): Promise<Job> {
  const user = await ctx.store.findUserById(j.userId);
  const retriedBy = (await ctx.store.findRetryOf(j.id))?.id ?? null;
  return present(j, user?.name ?? 'unknown', retriedBy, j.state === 'failed' && (await resubmissionComing(ctx, j, retriedBy)));
}

/** Many jobs at once (a page of a listing): their users and retries in a few queries rather than two per job. */
export async function describeJobs(ctx: Context, jobs: readonly StoredJob[]): Promise<Job[]> {
  const names = new Map<number, string>();
  for (const id of new Set(jobs.map((j) => j.userId))) names.set(id, (await ctx.store.findUserById(id))?.name ?? 'unknown');
  const retries = await ctx.store.retriesOf(jobs.map((j) => j.id));
  const described: Job[] = [];
  for (const j of jobs) {
    const retriedBy = retries.get(j.id) ?? null;
    // Only a failed job without a retry costs a look at its app: most of a page costs nothing.
    described.push(present(j, names.get(j.userId) ?? 'unknown', retriedBy, j.state === 'failed' && (await resubmissionComing(ctx, j, retriedBy))));
  }
  return described;
}

function present(j: StoredJob, user: string, retriedBy: number | null, resubmitting: boolean): Job {
  const common = {
    id: j.id, app: j.appId, version: j.appVersion, user, wsid: j.wsid, scheduler: j.scheduler,
    params: j.params, inputs: j.inputs, attempt: j.attempt, retryOf: j.retryOf, retriedBy, rerunOf: j.rerun?.of ?? null, verify: j.rerun?.verify ?? false,
    // Field by field: a stored record may hold more (or, from before GPUs were asked for, less).
    resources: { cpus: j.resources.cpus, memoryMiB: j.resources.memoryMiB, timeMinutes: j.resources.timeMinutes, gpus: j.resources.gpus ?? 0 },
    narrative: j.origin ? { id: j.origin.narrative, version: j.origin.narrativeVersion, cell: j.origin.cell } : null,
    createdAt: j.createdAt,
  };
  switch (j.state) {
    case 'created':
      return { ...common, state: j.state };
    case 'queued':
      return { ...common, state: j.state, schedulerId: j.schedulerId, queueReason: j.queueReason, queuePosition: j.queuePosition, waiting: queueText(j.queueReason, j.queuePosition) };
    case 'running':
      return { ...common, state: j.state, schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt };
    default: {
      const ended = { schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt, endedAt: j.endedAt, usage: usageOf(j.result) };
      if (j.state === 'completed') return { ...common, state: j.state, ...ended, outputs: j.outputs, verification: j.verification };
      if (j.state === 'failed') return { ...common, state: j.state, ...ended, failure: j.failure, resubmitting };
      return { ...common, state: j.state, ...ended };
    }
  }
}
