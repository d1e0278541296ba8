/**
 * What schedulers report, in the platform's vocabulary: a job's status and,
 * apart from it, why a job failed. The job's own states and the table of
 * moves between them belong to the server (server/src/domain/jobs/states.ts).
 */

export type FailureReason =
  | { kind: 'exit-code'; code: number }
  | OutOfMemoryFailure
  | WalltimeFailure
  | { kind: 'node-failure'; detail: string }
  | { kind: 'preempted' }
  | { kind: 'launcher-error'; detail: string }
  /** Never ran: a job it was to run after (SubmitRequest.after) failed or was cancelled. */
  | { kind: 'dependency'; detail: string }
  | { kind: 'invalid-outputs'; detail: string }
  | { kind: 'lost'; detail: string };

/**
 * Killed for memory. The figures are optional: records from before they were kept, and a
 * scheduler that reports the state alone (Slurm's OUT_OF_MEMORY), have none.
 */
export interface OutOfMemoryFailure {
  kind: 'out-of-memory';
  limitMiB?: number;
  /** The most the job's processes held; null where nothing measured it. */
  peakMiB?: number | null;
  /** The same in one sentence, for people. */
  message?: string;
}

/** Stopped at its time limit; figures optional as for OutOfMemoryFailure. */
export interface WalltimeFailure {
  kind: 'walltime';
  limitSeconds?: number;
  ranSeconds?: number;
  message?: string;
}

/** What a scheduler says about one job, in the platform's vocabulary. */
export type SchedulerStatus =
  | { state: 'queued'; reason: string | null; position: number | null }
  | { state: 'running'; node: string | null }
  | { state: 'completed'; node: string | null }
  | { state: 'failed'; reason: FailureReason; node: string | null }
  | { state: 'cancelled'; node: string | null }
  /** The scheduler reported a state this table does not know: keep the raw text, decide nothing. */
  | { state: 'unknown'; raw: string };
