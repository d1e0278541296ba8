import type { Job, JobStateFields } from './job.js';
import { transition, type JobEvent } from './job-events.js';
import type { Context } from '../context.js';

/**
 * Records what happened to a job: `transition` turns the event into its change
 * through the one table of moves, and the change and its entry in the job's
 * event log are written in one transaction. The update is a compare-and-set on
 * the state the caller saw. False when the table refuses the move (an ended job
 * never changes again) or another reconciler moved the job first.
 */
export async function recordTransition(ctx: Context, job: Job, happened: JobEvent): Promise<boolean> {
  const next = transition(job, happened);
  if (!next) return false;
  const moved = await ctx.store.transaction(async (store) => {
    if (!(await store.updateJob(job.id, job.state, next))) return false;
    const event = { type: 'state', ...told(next) };
    await store.appendJobEvent(job.id, ctx.now(), event);
    return true;
  });
  // Wakes the job's streams on every server at once rather than at their next poll. Only a hint: a change inside
  // an outer transaction is announced before that commits, and a replica may miss one, so streams still poll.
  if (moved) ctx.coordination.announceJobChange(job.id);
  return moved;
}

/**
 * `recordTransition` for many jobs (each at most once), in a few multi-row statements of one
 * transaction: a bulk run's thousands. Each move is a compare-and-set of its own; for each
 * job, the state (with every field of it) it moved to, or null where it did not move.
 */
export async function recordTransitions(ctx: Context, happenings: readonly { job: Job; happened: JobEvent }[]): Promise<(JobStateFields | null)[]> {
  const moves = happenings.flatMap(({ job, happened }) => {
    const next = transition(job, happened);
    return next ? [{ id: job.id, expected: job.state, next }] : [];
  });
  const nextOf = new Map(moves.map((m) => [m.id, m.next]));
  const at = ctx.now();
  const moved = new Set(
    await ctx.store.transaction(async (store) => {
      const ids = await store.updateJobs(moves);
      await store.appendJobEvents(ids.map((id) => ({ jobId: id, at, event: { type: 'state', ...told(nextOf.get(id)!) } })));
      return ids;
    }),
  );
  for (const id of moved) ctx.coordination.announceJobChange(id);
  return happenings.map(({ job }) => (moved.has(job.id) ? nextOf.get(job.id)! : null));
}

/** What the job's event log keeps of a state: what a reader of the log wants, without the wrapper's whole result. */
function told(next: JobStateFields) {
  const { result: _result, ...shown } = { result: null, ...next };
  return Object.fromEntries(Object.entries(shown).filter(([, value]) => value !== null));
}
