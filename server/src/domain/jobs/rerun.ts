import { conflict } from '../../errors.js';
import type { Context } from '../context.js';
import { findApp } from '../apps.js';
import type { Caller } from '../permissions.js';
import type { Job } from './job.js';
import { runApp } from './run.js';
import { hasEnded } from './states.js';

/**
 * Runs an ended job again from what its provenance records: the exact app
 * version (deprecated or not), its image by digest, the params (a seed
 * included) and the resolved input versions. Verifying compares the new
 * outputs with the original's, file by file, when the re-run ends.
 */
export async function rerunJob(ctx: Context, caller: Caller, job: Job, verify: boolean): Promise<Job> {
  if (!hasEnded(job.state)) throw conflict(`Job ${job.id} is ${job.state}; re-run it once it has ended.`);
  if (verify && job.state !== 'completed') throw conflict(`Job ${job.id} ${job.state === 'failed' ? 'failed' : 'was cancelled'}: only a completed job has outputs to verify against. Re-run it without verifying.`);
  const app = await findApp(ctx, job.appId, job.appVersion);
  const recorded = await recordedImage(ctx, job);
  if (recorded !== null && recorded !== app.spec.container.image.digest) {
    throw conflict(`${job.appId}@${job.appVersion} now names the image ${app.spec.container.image.digest}, but job ${job.id} ran ${recorded}: it cannot be re-run exactly here.`);
  }
  const ws = (await ctx.store.getWorkspace(job.wsid))!;
  const inputs = Object.fromEntries(job.inputs.map((i) => [i.name, i.resolved]));
  const request = { app: job.appId, version: job.appVersion, ws: String(ws.id), inputs, params: job.params };
  const { job: rerun } = await runApp(ctx, caller, ws, request, { attempt: 1, retryOf: null, startedFrom: job.origin, rerun: { of: job.id, verify } });
  return rerun;
}

/** The image digest the job's outputs record as having run (null for a job that saved none). */
async function recordedImage(ctx: Context, job: Job): Promise<string | null> {
  for (const key of (await ctx.store.jobOutputs(job.id)).values()) {
    const version = await ctx.store.getVersion(key);
    if (version?.provenance.app) return version.provenance.app.imageDigest;
  }
  return null;
}
