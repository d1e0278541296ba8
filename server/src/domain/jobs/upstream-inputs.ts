import type { FailureReason } from '@narrative/launcher-native';
import type { Context } from '../context.js';
import { formatRef } from '../refs.js';
import type { Job, JobInput } from './job.js';
import { hasEnded } from './states.js';

/** A step's inputs with each one taken from an earlier step resolved to the version that step saved. */
export type UpstreamResolution = { inputs: JobInput[]; changed: boolean } | { waiting: true } | { failure: FailureReason };

/**
 * Resolves the inputs a step of a narrative run took from earlier steps. The
 * scheduler started it only after they exited, but the server may not have
 * saved their outputs yet: then it waits (the next pass tries again). An
 * earlier step that ended without saving them fails this one, saying which.
 */
export async function resolveUpstream(ctx: Context, job: Job): Promise<UpstreamResolution> {
  if (!job.inputs.some((i) => i.from && !i.resolved)) return { inputs: job.inputs, changed: false };
  const inputs: JobInput[] = [];
  for (const input of job.inputs) {
    if (!input.from || input.resolved) {
      inputs.push(input);
      continue;
    }
    const { job: upstreamId, output } = input.from;
    const upstream = await ctx.store.getJob(upstreamId);
    const failed = (detail: string) => ({ failure: { kind: 'dependency' as const, detail } });
    if (!upstream) return failed(`job ${upstreamId}, which made input ${input.name}, no longer exists`);
    if (upstream.state !== 'completed') {
      return hasEnded(upstream.state) ? failed(`the step that made input ${input.name} (job ${upstreamId}) ${upstream.state === 'failed' ? 'failed' : 'was cancelled'}, so it was not saved`) : { waiting: true };
    }
    const key = (await ctx.store.jobOutputs(upstreamId)).get(output);
    if (!key) return failed(`job ${upstreamId} saved no output ${output} for input ${input.name}`);
    inputs.push({ ...input, resolved: formatRef(key) });
  }
  return { inputs, changed: true };
}
