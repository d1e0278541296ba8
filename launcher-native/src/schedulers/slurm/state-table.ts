import type { FailureReason, SchedulerStatus } from '../../job-state.js';

/**
 * Slurm job states (squeue %T / sacct State, Slurm 22.05) and what each means
 * for a job. One table; anything not in it maps to `unknown`, never guessed.
 */
type Meaning =
  | { state: 'queued' }
  | { state: 'running' }
  | { state: 'completed' }
  | { state: 'cancelled' }
  | { state: 'failed'; reason: (exitCode: number | null, detail: string) => FailureReason };

const exitCode = (code: number | null): FailureReason => ({ kind: 'exit-code', code: code ?? 1 });

export const SLURM_STATES: Record<string, Meaning> = {
  PENDING: { state: 'queued' },
  CONFIGURING: { state: 'queued' }, // nodes booting for it
  REQUEUED: { state: 'queued' },
  REQUEUE_HOLD: { state: 'queued' },
  REQUEUE_FED: { state: 'queued' },
  RESV_DEL_HOLD: { state: 'queued' },
  RUNNING: { state: 'running' },
  COMPLETING: { state: 'running' }, // processes ending; the result is not known yet
  SIGNALING: { state: 'running' },
  STAGE_OUT: { state: 'running' },
  RESIZING: { state: 'running' },
  SUSPENDED: { state: 'running' }, // paused by an admin or gang scheduling; resumes on its own
  STOPPED: { state: 'running' }, // SIGSTOPped; still holds its allocation
  COMPLETED: { state: 'completed' },
  CANCELLED: { state: 'cancelled' },
  REVOKED: { state: 'cancelled' }, // a federated sibling ran it instead
  FAILED: { state: 'failed', reason: (code) => exitCode(code) },
  SPECIAL_EXIT: { state: 'failed', reason: (code) => exitCode(code) },
  OUT_OF_MEMORY: { state: 'failed', reason: () => ({ kind: 'out-of-memory' }) },
  TIMEOUT: { state: 'failed', reason: () => ({ kind: 'walltime' }) },
  DEADLINE: { state: 'failed', reason: () => ({ kind: 'walltime' }) },
  NODE_FAIL: { state: 'failed', reason: (_c, detail) => ({ kind: 'node-failure', detail: detail || 'a node of the job failed' }) },
  BOOT_FAIL: { state: 'failed', reason: (_c, detail) => ({ kind: 'node-failure', detail: detail || 'a node failed to boot' }) },
  PREEMPTED: { state: 'failed', reason: () => ({ kind: 'preempted' }) },
};

export interface SlurmObservation {
  /** State as printed, e.g. `CANCELLED by 0` or `FAILED`. */
  state: string;
  exitCode: number | null;
  /** The pending reason, or a failure detail. */
  reason: string | null;
  node: string | null;
  position?: number | null;
}

export function toSchedulerStatus(o: SlurmObservation): SchedulerStatus {
  const name = o.state.trim().split(/\s+/)[0]!.replace(/\+$/, '').toUpperCase();
  const meaning = SLURM_STATES[name];
  if (!meaning) return { state: 'unknown', raw: o.state };
  switch (meaning.state) {
    case 'queued':
      return { state: 'queued', reason: o.reason && o.reason !== 'None' ? o.reason : null, position: o.position ?? null };
    case 'failed':
      return { state: 'failed', reason: meaning.reason(o.exitCode, o.reason ?? ''), node: o.node };
    default:
      return { state: meaning.state, node: o.node };
  }
}
