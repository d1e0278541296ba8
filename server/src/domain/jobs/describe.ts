import type { Job } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Job as StoredJob } from './job.js';

/** A job as the API publishes it: the stored job's own fields by state, with who ran it and what retried it. */
export async function describeJob(ctx: Context, j: StoredJob): Promise<Job> {
  const user = await ctx.store.findUserById(j.userId);
  const retriedBy = (await ctx.store.findRetryOf(j.id))?.id ?? null;
  const common = {
    id: j.id, app: j.appId, version: j.appVersion, user: user?.name ?? 'unknown', wsid: j.wsid, scheduler: j.scheduler,
    params: j.params, inputs: j.inputs, attempt: j.attempt, retryOf: j.retryOf, retriedBy, rerunOf: j.rerun?.of ?? null, verify: j.rerun?.verify ?? false, createdAt: j.createdAt,
  };
  switch (j.state) {
    case 'created':
      return { ...common, state: j.state };
    case 'queued':
      return { ...common, state: j.state, schedulerId: j.schedulerId, queueReason: j.queueReason, queuePosition: j.queuePosition };
    case 'running':
      return { ...common, state: j.state, schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt };
    default: {
      const ended = { schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt, endedAt: j.endedAt };
      if (j.state === 'completed') return { ...common, state: j.state, ...ended, outputs: j.outputs, verification: j.verification };
      if (j.state === 'failed') return { ...common, state: j.state, ...ended, failure: j.failure };
      return { ...common, state: j.state, ...ended };
    }
  }
}
