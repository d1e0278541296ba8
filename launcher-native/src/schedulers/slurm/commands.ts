/**
 * Slurm commands as argv arrays. Nothing here is ever joined into a shell
 * string; the caller runs them with execFile.
 */
export interface SubmitOptions {
  script: string;
  /** Array indexes, e.g. `0-99%10` for 100 tasks, at most 10 at once. */
  array?: string;
  /** Job ids that must complete first (afterok). */
  after?: string[];
}

export function sbatchArgv(o: SubmitOptions): string[] {
  return ['sbatch', '--parsable', ...(o.array ? [`--array=${o.array}`] : []), ...dependencyArgs(o.after ?? []), o.script];
}

/**
 * afterok: run only once every one of them completed. kill-on-invalid-dep: when one fails
 * or is cancelled the dependant is cancelled (reason DependencyNeverSatisfied) rather than
 * left pending for ever, whatever the cluster's own default.
 */
function dependencyArgs(after: string[]): string[] {
  return after.length === 0 ? [] : [`--dependency=afterok:${after.join(':')}`, '--kill-on-invalid-dep=yes'];
}

/** `|`-separated: job id (with array index), long state, pending reason, node list, dependencies (last: the only free text). */
export const SQUEUE_FORMAT = '%i|%T|%r|%N|%E';

export function squeueArgv(jobIds: string[]): string[] {
  return ['squeue', '--noheader', '--states=all', `--jobs=${jobIds.join(',')}`, `--format=${SQUEUE_FORMAT}`];
}

/**
 * Pending jobs of a partition in the order Slurm will start them, for queue positions.
 * Without a partition: every pending job (the cluster's default partition is not named here).
 */
export function queueOrderArgv(partition?: string): string[] {
  return ['squeue', '--noheader', '--states=PENDING', ...(partition ? [`--partition=${partition}`] : []), '--sort=-p,i', '--format=%i'];
}

export function sacctArgv(jobIds: string[]): string[] {
  return ['sacct', '--noheader', '--parsable2', `--jobs=${jobIds.join(',')}`, '--format=JobID,State,ExitCode,NodeList,Reason'];
}

/** The partitions the controller knows: a question only a reachable controller answers. */
export function pingArgv(): string[] {
  return ['sinfo', '--noheader', '--format=%P'];
}

export function scancelArgv(jobIds: string[], signal?: string): string[] {
  return ['scancel', ...(signal ? [`--signal=${signal}`, '--full'] : []), ...jobIds];
}
