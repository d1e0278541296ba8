import type { RunRequest } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Job } from './job.js';
import { resolveUpstream } from './upstream-inputs.js';

/**
 * The run request that repeats a job (a retry, a resubmission, a re-run):
 * its app version, params (a seed included) and each input at the version
 * it resolved to. An input from an earlier step of a narrative run that was
 * never resolved takes that step's saved output if there is one, else the
 * object the cell named.
 */
export async function repeatRequest(ctx: Context, job: Job): Promise<RunRequest> {
  const upstream = await resolveUpstream(ctx, job);
  const inputs = 'inputs' in upstream ? upstream.inputs : job.inputs;
  return {
    app: job.appId,
    version: job.appVersion,
    ws: String(job.wsid),
    inputs: Object.fromEntries(inputs.map((i) => [i.name, i.resolved || i.given])),
    params: job.params,
  };
}
