import type { FailureReason, SchedulerStatus } from '../job-state.js';
import type { SubmitRequest } from './scheduler.js';

/**
 * Job dependencies (SubmitRequest.after) as every scheduler words and judges
 * them, so a dependant reads the same on `local` as on Slurm.
 */

/** The queue reason of a dependant: `waiting for job 12` or `waiting for jobs 12, 13`. */
export function waitingFor(ids: string[]): string {
  return ids.length === 1 ? `waiting for job ${ids[0]}` : `waiting for jobs ${ids.join(', ')}`;
}

/** Why a dependant ended without running: the jobs it was to run after that did not complete. */
export function dependencyFailure(ids: string[]): FailureReason {
  const which = ids.length === 0 ? 'an earlier step' : ids.length === 1 ? `an earlier step (scheduler job ${ids[0]})` : `earlier steps (scheduler jobs ${ids.join(', ')})`;
  return { kind: 'dependency', detail: `${which} did not complete` };
}

/** Where a dependant stands: free to start, still waiting on some jobs, or never to run because some ended otherwise. */
export type DependencyState = { kind: 'met' } | { kind: 'waiting'; on: string[] } | { kind: 'broken'; by: string[] };

/**
 * Judges `after` from the statuses of each id's tasks (an array stands for all of
 * its tasks, as Slurm's afterok does): broken as soon as one ended otherwise than
 * completed, met once all completed.
 */
export function dependencyState(after: string[], tasksOf: (id: string) => (SchedulerStatus | null)[]): DependencyState {
  const broken: string[] = [];
  const waiting: string[] = [];
  for (const id of after) {
    const statuses = tasksOf(id);
    if (statuses.some((s) => s !== null && !['queued', 'running', 'completed'].includes(s.state))) broken.push(id);
    else if (!statuses.every((s) => s?.state === 'completed')) waiting.push(id);
  }
  if (broken.length > 0) return { kind: 'broken', by: broken };
  return waiting.length > 0 ? { kind: 'waiting', on: waiting } : { kind: 'met' };
}

/** Checks the form of `after`, and each id with the scheduler's own test; returns the ids without repeats. */
export function checkAfter(request: SubmitRequest, valid: (id: string) => string | null): string[] {
  const after = request.after ?? [];
  if (!Array.isArray(after)) throw new Error(`job ${request.jobId}: after must be a list of scheduler job ids`);
  for (const id of after) {
    const problem = typeof id === 'string' ? valid(id) : 'not a string';
    if (problem) throw new Error(`job ${request.jobId}: cannot run after ${JSON.stringify(id)}: ${problem}`);
  }
  return [...new Set(after)];
}
