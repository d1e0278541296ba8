import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArrayTasks } from '@narrative/launcher-native';
import type { WorkspaceRecord } from '../../store/store.js';
import type { Job } from './job.js';
import type { BulkRunRequest } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { checkRun, createJobs, jobDirOf, jobSpecOf, narrativeOrigin, requireExecution, runLookups, withdraw, type CheckedRun } from './run.js';
import { findApp } from '../apps.js';
import { readJobs } from './read-jobs.js';
import { recordTransitions } from './transitions.js';

/**
 * One app over many objects: a job per object, all submitted as ONE
 * scheduler array. Task i runs the wrapper on the array directory, which
 * makes job i's own directory from the array's task list as the task starts
 * (launcher-native job-dir/layout.ts), so each job keeps its directory, log
 * and outputs, and accepting the run writes a few files however many tasks.
 */
export async function runBulk(ctx: Context, caller: Caller, ws: WorkspaceRecord, request: BulkRunRequest): Promise<Job[]> {
  const execution = requireExecution(ctx);
  // Found once: ten thousand runs share one app record rather than each holding its own copy of the spec, and one image and source workspace.
  const lookups = runLookups(ctx, await findApp(ctx, request.app, request.version));
  const runs: CheckedRun[] = [];
  for (const [i, ref] of request.refs.entries()) {
    runs.push(await checkRun(ctx, caller, { ...request, inputs: { ...request.inputs, [request.input]: ref } }, `/refs/${i}`, {}, lookups));
  }
  const app = runs[0]!.app;
  const resources = { ...app.spec.resources };
  const startedFrom = request.narrative ? await narrativeOrigin(ctx, ws, request.narrative) : null;
  const jobs = await createJobs(ctx, caller, ws, app, runs, resources, { attempt: 1, retryOf: null, startedFrom }, null);
  const ids = jobs.map((job) => job.id);
  const arrayDir = join(execution.jobsDir, `array-${ids[0]}`);
  let arrayId: string;
  try {
    // Only the task list (each job's directory and job.json) and Slurm's output files: the wrapper (the server's account) alone reads it.
    await mkdir(arrayDir, { recursive: true, mode: 0o700 });
    await writeArrayTasks(arrayDir, ids.length, (i) => ({ jobDir: jobDirOf(execution, ids[i]!), spec: jobSpecOf(execution, runs[i]!, ids[i]!, resources, caller.name) }));
    arrayId = await execution.scheduler.submit({
      jobId: `array-${ids[0]}`,
      jobDir: arrayDir,
      argv: [...execution.wrapper, arrayDir],
      resources,
      env: {},
      array: { size: ids.length, ...(request.parallel ? { parallel: request.parallel } : {}) },
    });
  } catch (error) {
    const failure = { kind: 'launcher-error' as const, detail: (error as Error).message };
    await recordTransitions(ctx, jobs.map((job) => ({ job, happened: { type: 'failed', failure, at: ctx.now() } })));
    return jobsOf(ctx, ids);
  }
  // Once the array exists, each task is queued or withdrawn on its own (none is failed for another's trouble), in one commit.
  const queued = await recordTransitions(ctx, jobs.map((job, i) => ({ job, happened: { type: 'submitted', schedulerId: `${arrayId}_${i}` } })));
  const withdrawn: number[] = [];
  for (const [i, job] of jobs.entries()) {
    if (queued[i]) continue;
    await withdraw(ctx, execution, job, `${arrayId}_${i}`);
    withdrawn.push(job.id);
  }
  // Those queued are as recorded (a created job has no state fields for the queued one's to leave behind); only the others are read again.
  const reread = new Map((await readJobs(ctx.store, withdrawn)).map((job) => [job!.id, job!]));
  return jobs.map((job, i) => (queued[i] ? ({ ...job, ...queued[i] } as Job) : reread.get(job.id)!));
}

/** The jobs a bulk run just recorded: every id names one. */
async function jobsOf(ctx: Context, ids: number[]): Promise<Job[]> {
  return (await readJobs(ctx.store, ids)).map((job) => job!);
}
