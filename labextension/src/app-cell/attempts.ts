import type { AppSpec, Job, NarrativeClient } from '@narrative/server/client';

/** The failures the server may resubmit after, with more of what ran out. */
export type ResubmittedAfter = 'out-of-memory' | 'walltime';

/** How long a cell waits, after a memory or time failure, for the server's resubmission to appear. */
export interface IResubmitPoll {
  intervalMs: number;
  tries: number;
}

/** The server resubmits just after it records the failure: a few seconds are plenty. */
export const RESUBMIT_POLL: IResubmitPoll = { intervalMs: 500, tries: 10 };

/** The failure a job may be resubmitted after, or null. */
export function resubmittableFailure(job: Job): ResubmittedAfter | null {
  if (job.state !== 'failed') return null;
  // A record without its reason is not one the server resubmits (and must not stop the cell).
  const kind = job.failure?.kind;
  return kind === 'out-of-memory' || kind === 'walltime' ? kind : null;
}

/**
 * Whether `retry` is the server's automatic resubmission of `failed`: it
 * retries it and asks for more of what ran out. A Retry by hand asks for the
 * app's own resources again, and is a run of its own.
 */
export function isResubmission(failed: Job, retry: Job): boolean {
  if (retry.retryOf !== failed.id) return false;
  switch (resubmittableFailure(failed)) {
    case 'out-of-memory':
      return retry.resources.memoryMiB > failed.resources.memoryMiB;
    case 'walltime':
      return retry.resources.timeMinutes > failed.resources.timeMinutes;
    default:
      return false;
  }
}

/**
 * Whether the server may resubmit this failed job: it says so (`resubmitting`,
 * or `retriedBy` once done); a server that does not say is asked of the app's
 * retry policy (without the spec, it may).
 */
export function mayBeResubmitted(job: Job, spec: AppSpec | undefined): boolean {
  const kind = resubmittableFailure(job);
  if (kind === null) return false;
  const said = (job as { resubmitting?: unknown }).resubmitting;
  if (typeof said === 'boolean') return said || job.retriedBy !== null;
  if (!spec) return true;
  const policy = kind === 'out-of-memory' ? spec.retry?.outOfMemory : spec.retry?.timeout;
  return policy !== undefined && job.attempt <= policy.maxAttempts;
}

type JobClient = Pick<NarrativeClient, 'job'>;

/** The resubmission `job` names already, if any (a Retry by hand is not one). */
async function namedResubmission(client: JobClient, job: Job): Promise<Job | null> {
  if (job.retriedBy === null) return null;
  const retry = await client.job(job.retriedBy).catch(() => null);
  return retry && isResubmission(job, retry) ? retry : null;
}

/**
 * The resubmission of a job that just failed for memory or time: the job is
 * loaded again every `poll.intervalMs` until it names one, `poll.tries` times
 * at most, or until `alive` says the cell moved on. Null when none came.
 */
export async function awaitResubmission(client: JobClient, job: Job, poll: IResubmitPoll, alive: () => boolean): Promise<Job | null> {
  let current = job;
  for (let tried = 0; ; tried++) {
    if (current.retriedBy !== null) return namedResubmission(client, current);
    if (tried >= poll.tries || !alive()) return null;
    await new Promise((resolve) => setTimeout(resolve, poll.intervalMs));
    if (!alive()) return null;
    const again = await client.job(job.id).catch(() => null);
    if (again) current = again;
  }
}

/** A run's attempts from `job` on: it, then each resubmission it names in turn (a cell opened after one was made). */
export async function attemptsFrom(client: JobClient, job: Job): Promise<Job[]> {
  const attempts = [job];
  // Resubmissions are bounded by the app's policy (five at most); the bound here only guards against a cycle.
  for (let hops = 0; hops < 8; hops++) {
    const retry = await namedResubmission(client, attempts[attempts.length - 1]!);
    if (!retry) break;
    attempts.push(retry);
  }
  return attempts;
}
