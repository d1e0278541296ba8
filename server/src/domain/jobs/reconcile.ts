import { InvalidJobFile, readResult, wrapperAlive, type JobResult, type SchedulerStatus } from '@narrative/launcher-native';
import type { Job, QueuedJob, RunningJob } from './job.js';
import type { Context, Execution } from '../context.js';
import { explainFailure, runTimesOf } from './failure-text.js';
import { eachAtMost } from './each-at-most.js';
import { finishJob } from './ingest.js';
import { readJobs } from './read-jobs.js';
import { tellWaitingDependants } from './dependants.js';
import { resubmitIfPolicySays, RESUBMIT_WINDOW_MS } from './resubmit.js';
import { jobDirOf } from './run.js';
import { recordTransition, recordTransitions } from './transitions.js';

/**
 * One pass over the unfinished jobs: asks the scheduler about them and moves
 * each along the transition table. A job whose wrapper wrote result.json is
 * finished from that file (it holds the truth about the app); a job the
 * scheduler no longer knows and that left no result ends failed as lost,
 * never stuck running; one the scheduler forgot whose wrapper still runs on
 * this host (a restart of the local scheduler) is left to finish. Safe to
 * run again after a crash: every step is a compare-and-set on the state it saw.
 */
export async function reconcileOnce(ctx: Context, execution: Execution): Promise<void> {
  await failStrandedJobs(ctx);
  await resubmitMissed(ctx);
  const jobs = (await ctx.store.listJobsInStates(['queued', 'running'])).filter((j) => j.scheduler === execution.scheduler.name && j.schedulerId);
  if (jobs.length === 0) return;
  await tellWaitingDependants(ctx, execution, jobs);
  const statuses = await execution.scheduler.status(jobs.map((j) => j.schedulerId));
  const waiting: { job: QueuedJob; status: QueuedStatus }[] = [];
  for (const job of jobs) {
    const status = statuses.get(job.schedulerId);
    const result = await resultOf(execution, job);
    if (job.state === 'queued' && status?.state === 'queued' && result === null) waiting.push({ job, status });
    else await reconcileJob(ctx, execution, job, status, result);
  }
  await recordWaiting(ctx, waiting);
}

type QueuedStatus = Extract<SchedulerStatus, { state: 'queued' }>;

/**
 * Jobs still waiting in the queue take a move only when their reason or place in it changed: a
 * bulk run's thousands in a few multi-row statements rather than a transaction each.
 */
async function recordWaiting(ctx: Context, waiting: { job: QueuedJob; status: QueuedStatus }[]): Promise<void> {
  const moved = waiting.filter(({ job, status }) => status.reason !== job.queueReason || status.position !== job.queuePosition);
  for (let at = 0; at < moved.length; at += WAITING_PER_TRANSACTION) {
    await recordTransitions(ctx, moved.slice(at, at + WAITING_PER_TRANSACTION).map(({ job, status }) => ({ job, happened: { type: 'waiting', reason: status.reason, position: status.position } })));
  }
}
/** Short transactions: SQLite's one connection serves every other request between them. */
const WAITING_PER_TRANSACTION = 1000;

/**
 * The jobs whose wrappers said they ended (see watchEndedJobs): only these are looked at,
 * so that a job's end reaches its users at once, however many other jobs are in flight.
 */
export async function reconcileEnded(ctx: Context, execution: Execution, jobIds: number[]): Promise<void> {
  const jobs = (await readJobs(ctx.store, jobIds)).filter((j): j is QueuedJob | RunningJob => (j?.state === 'queued' || j?.state === 'running') && j.scheduler === execution.scheduler.name);
  if (jobs.length === 0) return;
  const statuses = await execution.scheduler.status(jobs.map((j) => j.schedulerId));
  // A few at once: saving a job's outputs mostly waits on files and commits, which concurrent jobs share.
  await eachAtMost(ENDED_AT_ONCE, jobs, async (job) => reconcileJob(ctx, execution, job, statuses.get(job.schedulerId), await resultOf(execution, job)));
}
const ENDED_AT_ONCE = 4;

async function reconcileJob(ctx: Context, execution: Execution, job: QueuedJob | RunningJob, status: SchedulerStatus | undefined, result: JobResult | InvalidJobFile | null): Promise<void> {
  if (result instanceof InvalidJobFile) {
    // Written whole by the wrapper (temp file and rename), so a malformed one will not mend: the job ends saying why.
    await follow(ctx, job, { state: 'failed', reason: { kind: 'launcher-error', detail: `the wrapper's result cannot be read: ${result.message}` }, node: null });
  } else if (result?.outcome === 'cancelled') {
    // The user's cancels end jobs directly, so this wrapper was stopped by its scheduler (time limit, memory,
    // node): its reason comes from the scheduler, once the scheduler has seen the job end.
    if (status && (status.state === 'queued' || status.state === 'running' || status.state === 'unknown')) return;
    if (status?.state === 'failed') await follow(ctx, job, status, result);
    else await finishFromResult(ctx, execution, job, result);
  } else if (result) {
    await finishFromResult(ctx, execution, job, result);
  } else if (status || !(await wrapperAlive(jobDirOf(execution, job.id)))) {
    await follow(ctx, job, status);
  }
  await resubmitIfPolicySays(ctx, (await ctx.store.getJob(job.id))!);
}

/**
 * Resubmission happens right after a job fails; a server that died in between
 * left it undone. Recently failed jobs are looked at again (resubmitting is a
 * no-op for a job that already has its retry).
 */
async function resubmitMissed(ctx: Context): Promise<void> {
  const since = new Date(Date.parse(ctx.now()) - RESUBMIT_WINDOW_MS).toISOString();
  for (const job of await ctx.store.listFailedSince(since)) {
    if (job.failure.kind === 'out-of-memory' || job.failure.kind === 'walltime') await resubmitIfPolicySays(ctx, job);
  }
}

/** How long a job may sit between being recorded and being handed to the scheduler. */
const SUBMIT_GRACE_MS = 60_000;

/**
 * A job still `created` long after it was recorded lost its server between
 * the two steps of submitting. It may or may not have reached the scheduler;
 * submitting it again could run it twice, so it ends failed and can be retried.
 */
async function failStrandedJobs(ctx: Context): Promise<void> {
  // Only the stranded ones are read: a bulk run being accepted has thousands created, every one of them recent.
  const cutoff = new Date(Date.parse(ctx.now()) - SUBMIT_GRACE_MS).toISOString();
  for (const job of await ctx.store.listCreatedBefore(cutoff)) {
    await recordTransition(ctx, job, { type: 'failed', failure: { kind: 'lost', detail: 'the server stopped while submitting this job; retry it' }, at: ctx.now() });
  }
}

async function finishFromResult(ctx: Context, execution: Execution, job: Job, result: JobResult): Promise<void> {
  if (job.state === 'queued') await recordTransition(ctx, job, { type: 'started', node: result.node, at: result.startedAt });
  await finishJob(ctx, execution, (await ctx.store.getJob(job.id))!, result);
}

/** Moves a job along what its scheduler says; `result` is a stopped wrapper's, for when the app ran. */
async function follow(ctx: Context, job: Job, status: SchedulerStatus | undefined, result: JobResult | null = null): Promise<void> {
  const ended = { at: ctx.now() };
  if (!status) return void (await recordTransition(ctx, job, { type: 'failed', failure: { kind: 'lost', detail: 'the scheduler no longer knows the job and it left no result' }, ...ended }));
  switch (status.state) {
    case 'queued':
      if (job.state === 'running') return void (await recordTransition(ctx, job, { type: 'requeued', reason: status.reason, position: status.position }));
      if (job.state === 'queued' && (status.reason !== job.queueReason || status.position !== job.queuePosition)) {
        await recordTransition(ctx, job, { type: 'waiting', reason: status.reason, position: status.position });
      }
      return;
    case 'running':
      if (job.state === 'queued') await recordTransition(ctx, job, { type: 'started', node: status.node, at: ctx.now() });
      return;
    case 'cancelled':
      return void (await recordTransition(ctx, job, { type: 'cancelled', ...ended }));
    case 'failed': {
      const failure = explainFailure(status.reason, job.resources, result, runTimesOf(job, result, ended.at));
      return void (await recordTransition(ctx, job, { type: 'failed', failure, node: status.node, ...ended }));
    }
    case 'completed':
      // The wrapper writes result.json before it exits, so a finished job without one lost its wrapper.
      return void (await recordTransition(ctx, job, { type: 'failed', failure: { kind: 'lost', detail: 'the job ended without the wrapper writing its result' }, ...ended }));
    case 'unknown':
      return;
  }
}

/** The wrapper's result, checked; null while there is none (or it cannot be read now), the error when it is malformed. */
async function resultOf(execution: Execution, job: Job): Promise<JobResult | InvalidJobFile | null> {
  try {
    return await readResult(jobDirOf(execution, job.id));
  } catch (error) {
    return error instanceof InvalidJobFile ? error : null;
  }
}
