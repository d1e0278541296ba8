import { readLogEnd } from '@narrative/launcher-native';
import type { JobLookup } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { describeJobs } from './describe.js';
import { eachAtMost } from './each-at-most.js';
import type { Job } from './job.js';
import { jobDirOf } from './run.js';
import { hasEnded } from './states.js';

/** Logs read at once: each is a few small reads, and a thousand at once would hold a thousand files open. */
const LOGS_AT_ONCE = 4;

/**
 * Many jobs at once, as a narrative opening restores its app cells: the jobs
 * the caller may read (authorize decided which), described as GET /jobs/{id}
 * does; the end of each ended job's log; and, for a narrative the caller may
 * read, how many of their own runs each of its cells has.
 */
export async function lookupJobs(
  ctx: Context,
  caller: Caller | null,
  readable: { jobs: Job[]; missing: number[] },
  ask: { logTail: number; narrative: LoadedNarrative | undefined },
): Promise<JobLookup> {
  const ended = ask.logTail > 0 ? readable.jobs.filter((j) => hasEnded(j.state)) : [];
  const read: (JobLookup['logs'][number] | null)[] = new Array(ended.length);
  await eachAtMost(LOGS_AT_ONCE, ended, async (job, i) => {
    const end = await logEnd(ctx, job.id, ask.logTail);
    read[i] = end && { id: job.id, ...end };
  });
  const logs = read.filter((log) => log !== null);
  // Signed out, there are no runs of one's own to count.
  const cellRuns = caller && ask.narrative ? Object.fromEntries(await ctx.store.countCellRuns(caller.id, ask.narrative.narrative.id)) : {};
  return { jobs: await describeJobs(ctx, readable.jobs), missing: readable.missing, logs, cellRuns };
}

/**
 * The log is a convenience here: one that cannot be read (an I/O error, a file that shrank) is left
 * out rather than failing the lookup, so that a caller asks for it alone (GET /jobs/{id}/log) rather
 * than taking it for empty. A job without a directory (a bulk task not started) has an empty log.
 */
async function logEnd(ctx: Context, id: number, count: number): Promise<{ lines: JobLookup['logs'][number]['lines']; truncated: boolean } | null> {
  if (!ctx.execution) return { lines: [], truncated: false };
  return readLogEnd(jobDirOf(ctx.execution, id), count).catch(() => null);
}
