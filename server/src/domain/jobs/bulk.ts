import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linkArrayTask } from '@narrative/launcher-native';
import type { WorkspaceRecord } from '../../store/store.js';
import type { Job } from './job.js';
import type { BulkRunRequest } from '../../schemas/jobs.js';
import { inTransaction, type Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { checkRun, jobSpecOf, narrativeOrigin, recordJobs, requireExecution, withdraw, writeJobDir, type CheckedRun } from './run.js';
import { findApp } from '../apps.js';
import { eachAtMost } from './each-at-most.js';
import { readJobs } from './read-jobs.js';
import { recordTransition } from './transitions.js';

/**
 * One app over many objects: a job per object, all submitted as ONE
 * scheduler array. Task i runs the wrapper on `<array dir>/<i>`, a link to
 * job i's own directory, so each job keeps its directory, log and outputs.
 */
export async function runBulk(ctx: Context, caller: Caller, ws: WorkspaceRecord, request: BulkRunRequest): Promise<Job[]> {
  const execution = requireExecution(ctx);
  // Found once: ten thousand runs share one app record rather than each holding its own copy of the spec.
  const found = await findApp(ctx, request.app, request.version);
  const runs: CheckedRun[] = [];
  for (const [i, ref] of request.refs.entries()) {
    runs.push(await checkRun(ctx, caller, { ...request, inputs: { ...request.inputs, [request.input]: ref } }, `/refs/${i}`, {}, found));
  }
  const app = runs[0]!.app;
  const resources = { ...app.spec.resources };
  const startedFrom = request.narrative ? await narrativeOrigin(ctx, ws, request.narrative) : null;
  const ids = await recordJobs(ctx, caller, ws, app, runs, resources, { attempt: 1, retryOf: null, startedFrom }, null);
  const jobs = await jobsOf(ctx, ids);
  const arrayDir = join(execution.jobsDir, `array-${ids[0]}`);
  let arrayId: string;
  try {
    // Only links to the tasks' job directories (and Slurm's output files): the wrapper (the server's account) alone goes through it.
    await mkdir(arrayDir, { recursive: true, mode: 0o700 });
    await eachAtMost(JOB_DIRS_AT_ONCE, ids, async (id, i) => {
      const jobDir = await writeJobDir(execution, id, jobSpecOf(execution, runs[i]!, id, resources, caller.name));
      await linkArrayTask(arrayDir, i, jobDir);
    });
    arrayId = await execution.scheduler.submit({
      jobId: `array-${ids[0]}`,
      jobDir: arrayDir,
      argv: [...execution.wrapper, arrayDir],
      resources,
      env: {},
      array: { size: ids.length, ...(request.parallel ? { parallel: request.parallel } : {}) },
    });
  } catch (error) {
    await inTransaction(ctx, async (tx) => {
      for (const job of jobs) await recordTransition(tx, job, { type: 'failed', failure: { kind: 'launcher-error', detail: (error as Error).message }, at: ctx.now() });
    });
    return jobsOf(ctx, ids);
  }
  // Once the array exists, each task is queued or withdrawn on its own (none is failed for another's trouble), in one commit.
  const ended = await inTransaction(ctx, async (tx) => {
    const refused: number[] = [];
    for (const [i, job] of jobs.entries()) if (!(await recordTransition(tx, job, { type: 'submitted', schedulerId: `${arrayId}_${i}` }))) refused.push(i);
    return refused;
  });
  for (const i of ended) await withdraw(ctx, execution, (await ctx.store.getJob(ids[i]!))!, `${arrayId}_${i}`);
  return jobsOf(ctx, ids);
}

/** The jobs a bulk run just recorded: every id names one. */
async function jobsOf(ctx: Context, ids: number[]): Promise<Job[]> {
  return (await readJobs(ctx.store, ids)).map((job) => job!);
}

/** Job directories written at once: each is a few small durable writes, whose fsyncs the file system's journal joins. */
const JOB_DIRS_AT_ONCE = 16;
