import type { FailureReason, JobResult } from '@narrative/launcher-native';
import type { VerificationReport } from '../../schemas/verification.js';
import { nodeOf, schedulerIdOf, startedAtOf, type Job, type JobStateFields } from './job.js';
import { canMove, hasEnded } from './states.js';

/**
 * What can happen to a job. Every change of a job is one of these, turned
 * into the job's next state by `transition`, which asks the one table of
 * moves; nothing else writes a job's state.
 */
export type JobEvent =
  | { type: 'submitted'; schedulerId: string }
  /** The scheduler's reason and position for a job still waiting. */
  | { type: 'waiting'; reason: string | null; position: number | null }
  | { type: 'started'; node: string | null; at: string }
  /** A running job the scheduler put back in its queue. */
  | { type: 'requeued'; reason: string | null; position: number | null }
  | { type: 'completed'; at: string; outputs: string[]; node: string | null; result: JobResult; verification?: VerificationReport }
  | { type: 'failed'; at: string; failure: FailureReason; node?: string | null; result?: JobResult }
  | { type: 'cancelled'; at: string; node?: string | null; result?: JobResult };

/**
 * The state `event` moves `job` to, with every field of that state, or null
 * where the table refuses it: an ended job never moves, a job is submitted
 * only once, waits only while queued, and starts only from the queue. Pure,
 * so every refusal is testable.
 */
export function transition(job: Job, event: JobEvent): JobStateFields | null {
  if (hasEnded(job.state)) return null;
  switch (event.type) {
    case 'submitted':
      return job.state === 'created' && canMove(job.state, 'queued') ? { state: 'queued', schedulerId: event.schedulerId, queueReason: null, queuePosition: null } : null;
    case 'waiting':
      return job.state === 'queued' ? { state: 'queued', schedulerId: job.schedulerId, queueReason: event.reason, queuePosition: event.position } : null;
    case 'started':
      return job.state === 'queued' && canMove(job.state, 'running') ? { state: 'running', schedulerId: job.schedulerId, node: event.node, startedAt: event.at } : null;
    case 'requeued':
      return job.state === 'running' && canMove(job.state, 'queued') ? { state: 'queued', schedulerId: job.schedulerId, queueReason: event.reason, queuePosition: event.position } : null;
    default: {
      if (!canMove(job.state, event.type)) return null;
      const ended = {
        schedulerId: schedulerIdOf(job),
        node: event.node === undefined ? nodeOf(job) : event.node,
        startedAt: startedAtOf(job),
        endedAt: event.at,
        result: event.result ?? null,
      };
      if (event.type === 'completed') return { state: 'completed', ...ended, outputs: event.outputs, verification: event.verification ?? null };
      if (event.type === 'failed') return { state: 'failed', ...ended, failure: event.failure };
      return { state: 'cancelled', ...ended };
    }
  }
}
