import { EventEmitter } from 'node:events';
import { canMove, hasEnded } from './states.js';
import type { JobChange, JobRecord } from '../../store/store.js';
import type { Context } from '../context.js';

/**
 * Applies a change to a job through the one transition table, with its
 * event, in one transaction. The update is a compare-and-set on the state the
 * caller saw: when another reconciler moved the job first, nothing happens.
 */
export async function recordTransition(ctx: Context, job: JobRecord, change: JobChange): Promise<boolean> {
  // An ended job never changes again: a second reconciler that re-read it ended must not end it twice.
  if (hasEnded(job.state)) return false;
  const to = change.state ?? job.state;
  if (to !== job.state && !canMove(job.state, to)) throw new Error(`job ${job.id}: no transition from ${job.state} to ${to}`);
  const moved = await ctx.store.transaction(async (store) => {
    if (!(await store.updateJob(job.id, job.state, change))) return false;
    const event = { type: 'state', state: to, ...pick(change) };
    await store.appendJobEvent(job.id, ctx.now(), event);
    return true;
  });
  if (moved) changes.emit(String(job.id));
  return moved;
}

/**
 * Wake-ups for job streams on this process, so a state change goes out at
 * once rather than at the next poll. Only a hint: changes made by another
 * replica never come through here, and a change inside an outer transaction
 * is announced before that commits, so streams still poll the store.
 */
const changes = new EventEmitter().setMaxListeners(0);

export function onJobChange(jobId: number, listener: () => void): () => void {
  changes.on(String(jobId), listener);
  return () => changes.off(String(jobId), listener);
}

function pick(change: JobChange) {
  const { failure, node, queueReason, queuePosition, outputs } = change;
  return {
    ...(failure ? { failure } : {}),
    ...(node ? { node } : {}),
    ...(queueReason !== undefined ? { queueReason } : {}),
    ...(queuePosition !== undefined ? { queuePosition } : {}),
    ...(outputs ? { outputs } : {}),
  };
}
