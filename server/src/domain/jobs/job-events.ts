import type { FailureReason, JobResult } from '@narrative/launcher-native';
import type { JobChange, JobRecord } from '../../store/store.js';
import { canMove, hasEnded, type JobState } from './states.js';

/**
 * What can happen to a job. Every change of a job is one of these, turned
 * into the change it makes by `transition`, which asks the one table of
 * moves; nothing else writes a job's state.
 */
export type JobEvent =
  | { type: 'submitted'; schedulerId: string }
  /** The scheduler's reason and position for a job still waiting. */
  | { type: 'waiting'; reason: string | null; position: number | null }
  | { type: 'started'; node: string | null; at: string }
  /** A running job the scheduler put back in its queue. */
  | { type: 'requeued'; reason: string | null; position: number | null }
  | { type: 'completed'; at: string; outputs: string[]; node: string | null; result: JobResult }
  | { type: 'failed'; at: string; failure: FailureReason; node?: string | null; result?: JobResult }
  | { type: 'cancelled'; at: string; node?: string | null; result?: JobResult };

const LEADS_TO: Record<JobEvent['type'], JobState> = {
  submitted: 'queued',
  waiting: 'queued',
  started: 'running',
  requeued: 'queued',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * The change `event` makes to `job`, or null where the table refuses it: an
 * ended job never moves, a job is submitted only once, waits only while
 * queued, and starts only from the queue. Pure, so every refusal is testable.
 */
export function transition(job: Pick<JobRecord, 'state'>, event: JobEvent): JobChange | null {
  if (hasEnded(job.state)) return null;
  switch (event.type) {
    case 'submitted':
      return job.state === 'created' && canMove(job.state, 'queued') ? { state: 'queued', schedulerId: event.schedulerId } : null;
    case 'waiting':
      return job.state === 'queued' ? { queueReason: event.reason, queuePosition: event.position } : null;
    case 'started':
      return canMove(job.state, 'running') ? { state: 'running', node: event.node, startedAt: event.at, queueReason: null, queuePosition: null } : null;
    case 'requeued':
      return job.state === 'running' && canMove(job.state, 'queued') ? { state: 'queued', node: null, queueReason: event.reason, queuePosition: event.position } : null;
    default: {
      if (!canMove(job.state, LEADS_TO[event.type])) return null;
      const where = { endedAt: event.at, ...(event.node === undefined ? {} : { node: event.node }), ...(event.result === undefined ? {} : { result: event.result }) };
      if (event.type === 'completed') return { state: 'completed', outputs: event.outputs, ...where };
      if (event.type === 'failed') return { state: 'failed', failure: event.failure, ...where };
      return { state: 'cancelled', ...where };
    }
  }
}
