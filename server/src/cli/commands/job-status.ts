import { ApiError, durationText, type Job, type JobUsage, type NarrativeClient } from '../../client/index.js';

/**
 * A job's attempts: the chain of jobs a retry or an automatic resubmission makes of one run,
 * followed by `run --wait` and said by `narrative job status` with what each asked for and used.
 */

/** One attempt of a chain, for --json: which job, how far it got, in the words the human form uses. */
export interface AttemptDocument {
  attempt: number;
  jobId: number;
  state: Job['state'];
  text: string;
}

/** A chain longer than this is not walked further: attempts are bounded by the apps' policies (at most 5 resubmissions) and retries by people. */
const MOST_ATTEMPTS = 50;

/**
 * The job's chain: `retryOf` back to the first run, `retriedBy` forward to the latest (the
 * first retry of each, where a job was retried more than once). A job the caller may not
 * read (a retry by someone else) ends the walk there.
 */
export async function attemptsOf(client: NarrativeClient, job: Job): Promise<Job[]> {
  const chain = [job];
  let first: Job | null = job;
  while (first.retryOf !== null && chain.length < MOST_ATTEMPTS && (first = await readable(client, first.retryOf))) chain.unshift(first);
  let last: Job | null = job;
  while (last.retriedBy !== null && chain.length < MOST_ATTEMPTS && (last = await readable(client, last.retriedBy))) chain.push(last);
  return chain;
}

async function readable(client: NarrativeClient, id: number): Promise<Job | null> {
  try {
    return await client.job(id);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  }
}

/** `1 CPU, 512 MiB, 1 h` (and GPUs when asked for). */
export function resourcesText(r: Job['resources']): string {
  return [`${r.cpus} CPU${r.cpus === 1 ? '' : 's'}`, `${r.memoryMiB} MiB`, durationText(r.timeMinutes * 60_000), ...(r.gpus > 0 ? [`${r.gpus} GPU${r.gpus === 1 ? '' : 's'}`] : [])].join(', ');
}

/** `used 12.3 s CPU of 60 s wall, peak 210 MiB of 512 MiB`; null before the job ended, or when nothing of its run was recorded. */
export function usageText(job: { resources: Job['resources']; usage?: JobUsage | null }): string | null {
  const usage = job.usage;
  if (!usage) return null;
  const { cpuSeconds, wallSeconds, peakMemoryMiB } = usage;
  const wall = wallSeconds === null ? '' : ` of ${seconds(wallSeconds)} wall`;
  const cpu = cpuSeconds === null ? `CPU time not measured${wallSeconds === null ? '' : `, ran ${seconds(wallSeconds)}`}` : `used ${seconds(cpuSeconds)} CPU${wall}`;
  const peak = peakMemoryMiB === null ? 'peak memory not measured' : `peak ${Number(peakMemoryMiB.toFixed(1))} MiB of ${job.resources.memoryMiB} MiB`;
  return `${cpu}, ${peak}`;
}

/** 0.4 s and 12.3 s to the tenth; a minute and more as `durationText` says it. */
function seconds(s: number): string {
  return s < 60 ? `${Number(s.toFixed(1))} s` : durationText(s * 1000);
}

/**
 * Each attempt in a few words: `failed, out of memory at 64 MiB`, `completed with 128 MiB`.
 * The resources are said where the chain changed them (a resubmission's more memory or time).
 */
export function attemptDocuments(chain: readonly Job[]): AttemptDocument[] {
  const changed = (key: 'memoryMiB' | 'timeMinutes' | 'cpus') => new Set(chain.map((j) => j.resources[key])).size > 1;
  const asked = (j: Job) => [
    ...(changed('cpus') ? [`${j.resources.cpus} CPU${j.resources.cpus === 1 ? '' : 's'}`] : []),
    ...(changed('memoryMiB') ? [`${j.resources.memoryMiB} MiB`] : []),
    ...(changed('timeMinutes') ? [durationText(j.resources.timeMinutes * 60_000)] : []),
  ];
  return chain.map((j) => {
    const resources = asked(j);
    const text = j.state === 'failed' ? failedText(j) : `${j.state}${resources.length > 0 ? ` with ${resources.join(', ')}` : ''}`;
    return { attempt: j.attempt, jobId: j.id, state: j.state, text };
  });
}

function failedText(j: Extract<Job, { state: 'failed' }>): string {
  const f = j.failure;
  const coming = j.resubmitting ? '; resubmitting' : '';
  if (f.kind === 'out-of-memory') return `failed, out of memory at ${f.limitMiB ?? j.resources.memoryMiB} MiB${coming}`;
  if (f.kind === 'walltime') return `failed, out of time at ${seconds(f.limitSeconds ?? j.resources.timeMinutes * 60)}${coming}`;
  if (f.kind === 'exit-code') return `failed, exit code ${f.code}`;
  return `failed, ${f.kind}`;
}

/** `attempt 1 (job 12): failed, out of memory at 64 MiB → attempt 2 (job 13): completed with 128 MiB`. */
export function attemptsText(attempts: readonly AttemptDocument[]): string {
  return attempts.map((a) => `attempt ${a.attempt} (job ${a.jobId}): ${a.text}`).join(' → ');
}

/** ` with more memory (128 MiB)`, ` with more time (10 min)`, or nothing when the resources stayed. */
export function moreOf(before: Job, after: Job): string {
  const more = [
    ...(after.resources.memoryMiB > before.resources.memoryMiB ? [`more memory (${after.resources.memoryMiB} MiB)`] : []),
    ...(after.resources.timeMinutes > before.resources.timeMinutes ? [`more time (${after.resources.timeMinutes} min)`] : []),
  ];
  return more.length > 0 ? ` with ${more.join(' and ')}` : '';
}

/**
 * How long a failure that a resubmission may follow is watched for one: the server resubmits in
 * the pass that records the failure, so a few of its passes (a second each by default). One that
 * says `resubmitting` is waited for longer, and one that says it is not is not waited for at all.
 */
const RESUBMISSION_GRACE_MS = 10_000;
const RESUBMISSION_PROMISED_MS = 120_000;

/** The job that re-runs an ended job killed for memory or time, once the server has made it; null when none comes. */
export async function resubmissionOf(client: NarrativeClient, ended: Job, progress: boolean): Promise<Job | null> {
  const kind = ended.state === 'failed' ? ended.failure.kind : null;
  if (kind !== 'out-of-memory' && kind !== 'walltime') return null;
  const started = Date.now();
  let job = ended;
  try {
    for (;;) {
      if (job.retriedBy !== null) return await client.job(job.retriedBy);
      // `resubmitting` is absent from older servers' jobs: then only the grace period tells.
      const promised = job.state === 'failed' ? (job as { resubmitting?: boolean }).resubmitting : false;
      if (promised === false || Date.now() - started > (promised ? RESUBMISSION_PROMISED_MS : RESUBMISSION_GRACE_MS)) return null;
      if (progress) process.stderr.write(`\r\x1b[2Kjob ${job.id}: failed, waiting for its resubmission`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await client.job(job.id);
    }
  } finally {
    if (progress) process.stderr.write('\r\x1b[2K');
  }
}
