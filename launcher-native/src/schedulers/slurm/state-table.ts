import type { FailureReason, SchedulerStatus } from '../../job-state.js';
import { dependencyFailure, waitingFor } from '../dependencies.js';

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
  /** What squeue's %E says of the job's dependencies, when it has any left. */
  dependencies?: SlurmDependencies;
}

/** Job ids a dependant still waits for, and those whose end means it will never run. */
export interface SlurmDependencies {
  waiting: string[];
  failed: string[];
}

/** squeue's reasons for a dependant: still waiting, and (with --kill-on-invalid-dep, in a CANCELLED job) never to run. */
const DEPENDENCY_WAIT = 'Dependency';
const DEPENDENCY_NEVER = 'DependencyNeverSatisfied';

export function toSchedulerStatus(o: SlurmObservation): SchedulerStatus {
  const name = o.state.trim().split(/\s+/)[0]!.replace(/\+$/, '').toUpperCase();
  const meaning = SLURM_STATES[name];
  if (!meaning) return { state: 'unknown', raw: o.state };
  // Slurm cancels such a job itself; for the platform it failed, because of another. Once squeue
  // has forgotten it, the jobcomp log keeps no reason: it reads as cancelled from then on.
  if (meaning.state === 'cancelled' && o.reason === DEPENDENCY_NEVER) return { state: 'failed', reason: dependencyFailure(o.dependencies?.failed ?? []), node: o.node };
  switch (meaning.state) {
    case 'queued': {
      const reason = o.reason === DEPENDENCY_WAIT && o.dependencies?.waiting.length ? waitingFor(o.dependencies.waiting) : o.reason;
      return { state: 'queued', reason: reason && reason !== 'None' ? reason : null, position: o.position ?? null };
    }
    case 'failed':
      return { state: 'failed', reason: meaning.reason(o.exitCode, o.reason ?? ''), node: o.node };
    default:
      return { state: meaning.state, node: o.node };
  }
}
