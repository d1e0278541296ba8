import { hasEnded, type Job } from '@narrative/server/client';

/** What a request from the cell asks of the server. */
export type AppCellAction = 'run' | 'cancel' | 'retry' | 'verify';

/**
 * Where an app cell is in its runs. The inputs and parameters are not part of
 * it: they live in the cell metadata, and this only decides whether they can
 * change, which buttons show, and which job (with its log and outputs) shows.
 */
export type AppCellState =
  /** Opening: the app, the cell's job and its inputs' names are fetched; nothing shows, so that a restored cell renders once. */
  | { readonly kind: 'restoring' }
  /** No job: the inputs and parameters can change; Run once they are valid. */
  | { readonly kind: 'editing' }
  /** A run, cancel or retry request is out: every control is locked; the job it acts on (if any) still shows. */
  | { readonly kind: 'submitting'; readonly action: AppCellAction; readonly job: Job | null }
  /** A job that has not ended: its state and live log; Cancel. */
  | { readonly kind: 'following'; readonly job: Job }
  /** A job that ended: its state, log and outputs; Run again, Re-run & verify a completed one, or Retry after a failure or a cancel. */
  | { readonly kind: 'ended'; readonly job: Job };

/** What moves a cell from one state to another. */
export type AppCellEvent =
  /** Opened: the cell's job as fetched, or null (none, or it could not be loaded). */
  | { readonly type: 'restored'; readonly job: Job | null }
  /** A button was pressed (the model checks first what the state does not know: validity, read-only, whose job). */
  | { readonly type: 'submit'; readonly action: AppCellAction }
  /** The server answered the request: the new job of a run, retry or re-run, or the cancelled job. */
  | { readonly type: 'answered'; readonly job: Job }
  /** The request failed (the model keeps why). */
  | { readonly type: 'request-failed' }
  /** The job shown, loaded again after an event of its stream. */
  | { readonly type: 'update'; readonly job: Job }
  /** A job started for this cell elsewhere (Run all app cells): the cell shows and follows it. */
  | { readonly type: 'adopted'; readonly job: Job };

/** Whether a job has ended: the server's table of job states says (the lab keeps no list of its own). */
export function isEnded(job: Job): boolean {
  return hasEnded(job.state);
}

/** Whether a job can be retried: it ended without completing. */
export function isRetryable(job: Job): boolean {
  return job.state === 'failed' || job.state === 'cancelled';
}

/** The objects a job made: only a completed job has any. */
export function outputsOf(job: Job): readonly string[] {
  return job.state === 'completed' ? (job.outputs ?? []) : [];
}

/** The job a state shows, if any. */
export function jobOf(state: AppCellState): Job | null {
  switch (state.kind) {
    case 'submitting':
    case 'following':
    case 'ended':
      return state.job;
    default:
      return null;
  }
}

/** The state that shows `job`: editing without one, following until it ends, then ended. */
function showing(job: Job | null): AppCellState {
  if (job === null) return { kind: 'editing' };
  return isEnded(job) ? { kind: 'ended', job } : { kind: 'following', job };
}

/** Whether `action` may start from `state`. */
function accepts(state: AppCellState, action: AppCellAction): boolean {
  switch (action) {
    case 'run':
      return state.kind === 'editing' || state.kind === 'ended';
    case 'cancel':
      return state.kind === 'following';
    case 'retry':
      return state.kind === 'ended' && isRetryable(state.job);
    case 'verify':
      return state.kind === 'ended' && state.job.state === 'completed';
  }
}

/** `next` unless it would take an ended job back to an earlier state (answers that crossed arrive in any order). */
function notBack(current: Job | null, next: Job): Job {
  return current !== null && current.id === next.id && isEnded(current) && !isEnded(next) ? current : next;
}

/**
 * Every move of an app cell, in one place: the next state, or null when the
 * event does not apply to this state (a second click, a late answer about an
 * earlier job), which the model then ignores.
 */
export function transition(state: AppCellState, event: AppCellEvent): AppCellState | null {
  switch (event.type) {
    case 'restored':
      return state.kind === 'restoring' ? showing(event.job) : null;
    case 'submit':
      return accepts(state, event.action) ? { kind: 'submitting', action: event.action, job: jobOf(state) } : null;
    case 'answered':
      return state.kind === 'submitting' ? showing(notBack(state.job, event.job)) : null;
    case 'request-failed':
      return state.kind === 'submitting' ? showing(state.job) : null;
    case 'adopted':
      return state.kind === 'restoring' || state.kind === 'submitting' || jobOf(state)?.id === event.job.id ? null : showing(event.job);
    case 'update': {
      const current = jobOf(state);
      if (current === null || current.id !== event.job.id) return null;
      const job = notBack(current, event.job);
      if (job === current) return null;
      // A request out keeps the controls locked until it is answered.
      return state.kind === 'submitting' ? { ...state, job } : showing(job);
    }
  }
}
