/**
 * The batch script: `#SBATCH` directives from a job's resources, the
 * environment the request names (single-quoted), then one fixed line that
 * starts the job wrapper. Job data (params, inputs) never enters the script;
 * the wrapper reads it from the job directory.
 */
export interface BatchResources {
  jobName: string;
  partition?: string;
  account?: string;
  cpus: number;
  memoryMiB: number;
  timeMinutes: number;
  gpus?: number;
  /** Where Slurm writes the wrapper's own stdout/stderr (%A array job id, %a index). */
  output: string;
  chdir: string;
  /**
   * For job arrays: the variable that receives Slurm's SLURM_ARRAY_TASK_ID, so the command
   * sees its index under a scheduler-neutral name (e.g. NARRATIVE_TASK_INDEX).
   */
  arrayTaskIndexAs?: string;
}

/**
 * `env` is exported before the exec, one `export KEY='value'` line each. sbatch runs with
 * a bare environment (PATH and the cluster's settings, see SlurmScheduler), so nothing of the
 * server's reaches the job either way: whatever the command needs is written here.
 */
export function renderBatchScript(r: BatchResources, wrapperArgv: string[], env: Record<string, string> = {}): string {
  const lines = [
    '#!/bin/sh',
    `#SBATCH --job-name=${safe(r.jobName)}`,
    ...(r.partition ? [`#SBATCH --partition=${safe(r.partition)}`] : []),
    ...(r.account ? [`#SBATCH --account=${safe(r.account)}`] : []),
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${whole(r.cpus, 'cpus')}`,
    `#SBATCH --mem=${whole(r.memoryMiB, 'memoryMiB')}M`,
    `#SBATCH --time=${slurmTime(r.timeMinutes)}`,
    ...(r.gpus ? [`#SBATCH --gres=gpu:${whole(r.gpus, 'gpus')}`] : []),
    `#SBATCH --output=${safe(r.output)}`,
    `#SBATCH --chdir=${safe(r.chdir)}`,
    // ALL of sbatch's bare environment. NONE would say the same, but on Slurm 22.05 any
    // other mode than ALL holds each job about 2 s between allocation and launch (measured,
    // docs/benchmarks.md "dispatch").
    '#SBATCH --export=ALL',
    // Commands only after the last directive: sbatch stops reading #SBATCH at the first one.
    ...Object.entries(env).map(([key, value]) => `export ${shellName(key)}=${shellQuote(value)}`),
    ...(r.arrayTaskIndexAs ? [`export ${shellName(r.arrayTaskIndexAs)}="$SLURM_ARRAY_TASK_ID"`] : []),
    `exec ${wrapperArgv.map(shellQuote).join(' ')}`,
    '',
  ];
  return lines.join('\n');
}

/** D-HH:MM:SS */
export function slurmTime(minutes: number): string {
  const m = whole(minutes, 'timeMinutes');
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days}-${pad(hours)}:${pad(m % 60)}:00`;
}

function whole(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a positive whole number, not ${n}`);
  return n;
}

/** A directive value: one line, no shell-significant surprises. */
function safe(value: string): string {
  if (!/^[A-Za-z0-9_.,:=@%+\/-]+$/.test(value)) throw new Error(`unsafe value for a #SBATCH directive: ${JSON.stringify(value)}`);
  return value;
}

/** An environment variable name the shell accepts in `export NAME=...`; anything else could inject code. */
export function shellName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * Single-quotes one word for sh (the wrapper's argv, exported values). Inside single quotes
 * nothing expands; a quote itself is closed, escaped and reopened. Control characters
 * (newlines included) are refused rather than carried: a value spanning lines is not a word.
 */
export function shellQuote(word: string): string {
  if (/[\u0000-\u001f]/.test(word)) throw new Error(`control character in ${JSON.stringify(word)}`);
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
