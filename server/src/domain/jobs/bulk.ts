import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linkArrayTask } from '@narrative/launcher-native';
import type { WorkspaceRecord } from '../../store/store.js';
import type { Job } from './job.js';
import type { BulkRunRequest } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { checkRun, jobSpecOf, narrativeOrigin, queuedOrWithdrawn, recordJobs, requireExecution, writeJobDir, type CheckedRun } from './run.js';
import { recordTransition } from './transitions.js';

/**
 * One app over many objects: a job per object, all submitted as ONE
 * scheduler array. Task i runs the wrapper on `<array dir>/<i>`, a link to
 * job i's own directory, so each job keeps its directory, log and outputs.
 */
export async function runBulk(ctx: Context, caller: Caller, ws: WorkspaceRecord, request: BulkRunRequest): Promise<Job[]> {
  const execution = requireExecution(ctx);
  const runs: CheckedRun[] = [];
  for (const [i, ref] of request.refs.entries()) {
    runs.push(await checkRun(ctx, caller, { ...request, inputs: { ...request.inputs, [request.input]: ref } }, `/refs/${i}`));
  }
  const app = runs[0]!.app;
  const resources = { ...app.spec.resources };
  const startedFrom = request.narrative ? await narrativeOrigin(ctx, ws, request.narrative) : null;
  const ids = await recordJobs(ctx, caller, ws, app, runs, resources, { attempt: 1, retryOf: null, startedFrom }, null);
  const jobs = await Promise.all(ids.map(async (id) => (await ctx.store.getJob(id))!));
  const arrayDir = join(execution.jobsDir, `array-${ids[0]}`);
  let arrayId: string;
  try {
    // Only links to the tasks' job directories (and Slurm's output files): the wrapper (the server's account) alone goes through it.
    await mkdir(arrayDir, { recursive: true, mode: 0o700 });
    for (const [i, id] of ids.entries()) {
      const jobDir = await writeJobDir(execution, id, jobSpecOf(execution, runs[i]!, id, resources, caller.name));
      await linkArrayTask(arrayDir, i, jobDir);
    }
    arrayId = await execution.scheduler.submit({
      jobId: `array-${ids[0]}`,
      jobDir: arrayDir,
      argv: [...execution.wrapper, arrayDir],
      resources,
      env: {},
      array: { size: ids.length, ...(request.parallel ? { parallel: request.parallel } : {}) },
    });
  } catch (error) {
    for (const job of jobs) await recordTransition(ctx, job, { type: 'failed', failure: { kind: 'launcher-error', detail: (error as Error).message }, at: ctx.now() });
    return Promise.all(ids.map(async (id) => (await ctx.store.getJob(id))!));
  }
  // Once the array exists, each task is queued or withdrawn on its own; none is failed for another's trouble.
  for (const [i, job] of jobs.entries()) await queuedOrWithdrawn(ctx, execution, job, `${arrayId}_${i}`);
  return Promise.all(ids.map(async (id) => (await ctx.store.getJob(id))!));
}
