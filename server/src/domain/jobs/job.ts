import type { FailureReason, JobResult, Resources } from '@narrative/launcher-native';
import type { VerificationReport } from '../../schemas/verification.js';

export interface JobInput {
  name: string;
  given: string;
  /** `wsid/objid/ver`; empty while the input is an upstream job's output not yet saved. */
  resolved: string;
  /** The upstream job (of the same narrative run) whose output this input is. */
  from?: { job: number; output: string };
}

export interface NewJob {
  appId: string;
  appVersion: string;
  userId: number;
  wsid: number;
  clientRequestId: string | null;
  params: Record<string, unknown>;
  inputs: JobInput[];
  resources: Resources;
  scheduler: string;
  attempt: number;
  retryOf: number | null;
  createdAt: string;
  /** The narrative and cell the run was started from, when it was. */
  origin?: JobOrigin | null;
  /** The job this one runs again from its provenance, and whether its outputs are compared with that job's. */
  rerun?: JobRerun | null;
  /** The narrative run (all app cells, or an update) this job is a step of. */
  runId?: number | null;
}

export interface JobRerun {
  of: number;
  verify: boolean;
}

/** Where a run was started: the narrative (its id, and the version of its notebook when the client knew it) and the cell. */
export interface JobOrigin {
  narrative: number;
  narrativeVersion: number | null;
  cell: string | null;
}

/** What every job has, whatever its state. */
export interface JobBase extends NewJob {
  id: number;
  origin: JobOrigin | null;
  rerun: JobRerun | null;
  runId: number | null;
}

/** Where an ended job got to: one cancelled or failed before it ran has no scheduler id, node or start. */
interface Ended {
  schedulerId: string | null;
  node: string | null;
  startedAt: string | null;
  endedAt: string;
  /** What the node-side wrapper reported, when it got that far. */
  result: JobResult | null;
}

export type CreatedJob = JobBase & { state: 'created' };
export type QueuedJob = JobBase & { state: 'queued'; schedulerId: string; queueReason: string | null; queuePosition: number | null };
export type RunningJob = JobBase & { state: 'running'; schedulerId: string; node: string | null; startedAt: string | null };
/** A verified re-run's outputs compared with the original's (null for any other run). */
export type CompletedJob = JobBase & Ended & { state: 'completed'; outputs: string[]; verification: VerificationReport | null };
export type FailedJob = JobBase & Ended & { state: 'failed'; failure: FailureReason };
export type CancelledJob = JobBase & Ended & { state: 'cancelled' };

/**
 * A job as the domain and the store know it, told apart by `state`: each
 * state carries only its own fields, so "a queued job's position" or "a
 * failed job's reason" can't be read in the wrong state. It changes only
 * through `transition` (job-events.ts); the API's schema (schemas/jobs.ts)
 * publishes the same shape.
 */
export type Job = CreatedJob | QueuedJob | RunningJob | CompletedJob | FailedJob | CancelledJob;

/** The fields a job's state carries, without what every job has. */
export type JobStateFields<J extends Job = Job> = J extends Job ? Omit<J, keyof JobBase> : never;

/** The scheduler's id for the job, in any state that has one. */
export function schedulerIdOf(job: Job): string | null {
  return job.state === 'created' ? null : job.schedulerId;
}

/** The node the job ran (or runs) on, when known. */
export function nodeOf(job: Job): string | null {
  return job.state === 'created' || job.state === 'queued' ? null : job.node;
}

export function startedAtOf(job: Job): string | null {
  return job.state === 'created' || job.state === 'queued' ? null : job.startedAt;
}

export function endedAtOf(job: Job): string | null {
  return job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled' ? job.endedAt : null;
}

/** The jobs among `Job` in one of `states`. */
export type JobIn<S extends Job['state']> = Extract<Job, { state: S }>;
