import { hasEnded } from './states.js';
import { conflict } from '../../errors.js';
import { schedulerIdOf, type Job } from './job.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { repeatRequest } from './repeat.js';
import { requireExecution, runApp } from './run.js';
import { recordTransition } from './transitions.js';

/** Stops a job: the scheduler kills it (the wrapper stops the container), and the job ends cancelled. */
export async function cancelJob(ctx: Context, job: Job): Promise<Job> {
  if (hasEnded(job.state)) return job;
  const execution = requireExecution(ctx);
  const schedulerId = schedulerIdOf(job);
  if (schedulerId) await execution.scheduler.cancel(schedulerId);
  // The reconciler may have moved the job (queued → running) while the scheduler cancelled it: record against what is there now.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await ctx.store.getJob(job.id))!;
    if (hasEnded(current.state) || (await recordTransition(ctx, current, { type: 'cancelled', at: ctx.now() }))) break;
  }
  return (await ctx.store.getJob(job.id))!;
}

/** Runs a finished job again: same app version, params and resolved inputs, as a new job. */
export async function retryJob(ctx: Context, caller: Caller, job: Job): Promise<Job> {
  if (!hasEnded(job.state)) throw conflict(`Job ${job.id} is ${job.state}; retry it once it has ended.`);
  const ws = (await ctx.store.getWorkspace(job.wsid))!;
  const { job: retried } = await runApp(ctx, caller, ws, await repeatRequest(ctx, job), { attempt: job.attempt + 1, retryOf: job.id, startedFrom: job.origin });
  return retried;
}
