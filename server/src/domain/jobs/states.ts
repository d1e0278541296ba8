/**
 * A job's life: its states and the one table of moves between them. Every
 * module that asks "has this job ended?" or "may it move there?" asks here
 * (the store, the reconciler, the API, the CLI and the lab through the typed
 * client), so the table is written down once. Pure: it runs in browsers too.
 *
 * Why a job failed is kept apart from its state (Galaxy's lesson): "failed"
 * stays one state whatever went wrong, and the reason is a union of its own.
 */
export const JOB_STATES = ['created', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

const MOVES: Record<JobState, readonly JobState[]> = {
  created: ['queued', 'failed', 'cancelled'],
  queued: ['running', 'completed', 'failed', 'cancelled'],
  // running → queued: the scheduler requeued it (preemption, a node that failed).
  running: ['queued', 'completed', 'failed', 'cancelled'],
  // Ended: nothing moves a job again (a retry is a new job).
  completed: [],
  failed: [],
  cancelled: [],
};

export type EndedState = 'completed' | 'failed' | 'cancelled';

/** The states a job never leaves: those with no moves in the table. */
export const ENDED_STATES: readonly EndedState[] = JOB_STATES.filter((s): s is EndedState => MOVES[s].length === 0);

export function canMove(from: JobState, to: JobState): boolean {
  return MOVES[from].includes(to);
}

export function hasEnded(state: JobState): state is EndedState {
  return MOVES[state].length === 0;
}

export function isJobState(text: string): text is JobState {
  return (JOB_STATES as readonly string[]).includes(text);
}
