import { conflict } from '../../errors.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import type { Job } from './job.js';
import { repeatRequest } from './repeat.js';
import { runApp } from './run.js';
import { hasEnded } from './states.js';

/**
 * Runs an ended job again from what its provenance records: the exact app
 * version (deprecated or not; a registered version never changes its image),
 * the params (a seed included) and the resolved input versions. Verifying compares the new
 * outputs with the original's, file by file, when the re-run ends.
 */
export async function rerunJob(ctx: Context, caller: Caller, job: Job, verify: boolean): Promise<Job> {
  if (!hasEnded(job.state)) throw conflict(`Job ${job.id} is ${job.state}; re-run it once it has ended.`);
  if (verify && job.state !== 'completed') throw conflict(`Job ${job.id} ${job.state === 'failed' ? 'failed' : 'was cancelled'}: only a completed job has outputs to verify against. Re-run it without verifying.`);
  const ws = (await ctx.store.getWorkspace(job.wsid))!;
  const { job: rerun } = await runApp(ctx, caller, ws, await repeatRequest(ctx, job), { attempt: 1, retryOf: null, startedFrom: job.origin, rerun: { of: job.id, verify } });
  return rerun;
}
