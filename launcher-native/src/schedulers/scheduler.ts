import type { SchedulerStatus } from '../job-state.js';

/**
 * The scheduler seam (after Nextflow's executors and ood_core's adapters):
 * submit a node-side command with resources, ask for statuses, cancel.
 * What runs on the node is the job wrapper; schedulers know nothing of apps.
 */
export interface Resources {
  cpus: number;
  memoryMiB: number;
  timeMinutes: number;
  gpus: number;
}

export interface SubmitRequest {
  /** The platform's job id, used in names (Slurm job name, process title). */
  jobId: string;
  /** The job's directory on the node side: the command runs there and the scheduler's own logs go there. */
  jobDir: string;
  /** What to run on the node, as argv (the job wrapper). */
  argv: string[];
  resources: Resources;
  /** Environment of the command, on top of a minimal PATH/HOME/USER the scheduler sets. */
  env: Record<string, string>;
  /**
   * A bulk run: `size` tasks of the same command, at most `parallel` at once.
   * Each task sees its index in NARRATIVE_TASK_INDEX. Task ids are `<id>_<index>`.
   */
  array?: { size: number; parallel?: number };
  /**
   * Scheduler ids of jobs (or arrays, or array tasks) of this scheduler that must end
   * successfully first: a step of a whole-narrative run. Until then the job is queued,
   * with a reason naming what it waits for; when one fails or is cancelled it never runs
   * and ends failed, `{ kind: 'dependency' }`.
   */
  after?: string[];
}

export interface Scheduler {
  readonly name: 'local' | 'slurm' | 'docker';
  /** Whether `submit` honours `after`: a scheduler without a queue to hold a job in refuses it. */
  readonly holdsDependants: boolean;
  /** Returns the scheduler's id for the job (for an array, the id tasks are numbered under). */
  submit(request: SubmitRequest): Promise<string>;
  /** Statuses by id (task ids for arrays); an id the scheduler no longer knows is absent from the map. */
  status(ids: string[]): Promise<Map<string, SchedulerStatus>>;
  /** Stops a job (or every task of an array) and everything it started; cancelling a finished job is not an error. */
  cancel(id: string): Promise<void>;
  /** Resolves when the scheduler answers (its controller, its engine); throws SchedulerUnavailable when it cannot be asked. */
  ping(): Promise<void>;
}

export class SchedulerUnavailable extends Error {}
