import type { SlurmDependencies, SlurmObservation } from './state-table.js';

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatch(stdout: string): string {
  const id = stdout.trim().split(';')[0] ?? '';
  if (!/^[0-9]+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`);
  return id;
}

const none = (text: string | undefined) => (text === undefined || text === '' || text === 'None' || text === '(null)' ? null : text);

/** Lines of `squeue --format=%i|%T|%r|%N|%E`, by job id. squeue shows no exit codes. */
export function parseSqueue(stdout: string): Map<string, SlurmObservation> {
  const out = new Map<string, SlurmObservation>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [id, state, reason, node, ...dependency] = line.split('|');
    if (!id || !state) continue;
    const observation: SlurmObservation = { state: state.trim(), exitCode: null, reason: none(reason?.trim()), node: none(node?.trim()) };
    const dependencies = parseDependencies(dependency.join('|').trim());
    out.set(id.trim(), dependencies ? { ...observation, dependencies } : observation);
  }
  return out;
}

/**
 * squeue's %E, e.g. `afterok:12(unfulfilled),afterok:13(failed)`: the job ids still waited
 * for, and those that will never be (Slurm drops the ones already satisfied). Null for none.
 */
export function parseDependencies(text: string): SlurmDependencies | null {
  const waiting: string[] = [];
  const failed: string[] = [];
  // An array is printed as `12_*`, a task as `12_3`; `after:12+5` carries a delay in minutes.
  for (const match of text.matchAll(/after\w*:([0-9]+(?:_[0-9]+)?)(?:_\*)?(?:\+[0-9]+)?\((\w+)\)/g)) {
    if (match[2] === 'unfulfilled') waiting.push(match[1]!);
    else if (match[2] === 'failed') failed.push(match[1]!);
  }
  return waiting.length > 0 || failed.length > 0 ? { waiting, failed } : null;
}

/** Lines of `sacct --parsable2 --format=JobID,State,ExitCode,NodeList,Reason`; job steps (`12.batch`) are skipped. */
export function parseSacct(stdout: string): Map<string, SlurmObservation> {
  const out = new Map<string, SlurmObservation>();
  for (const line of stdout.split('\n')) {
    const [id, state, exit, node, reason] = line.split('|');
    if (!id || !state || id.includes('.')) continue;
    out.set(id, { state, exitCode: exitCodeOf(exit), reason: none(reason), node: none(node) });
  }
  return out;
}

/** One record of the jobcomp/filetxt log (`JobId=12 … JobState=FAILED … ExitCode=3:0`): what is left of a job squeue forgot. */
export function parseJobcompLine(line: string): { id: string; observation: SlurmObservation } | null {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(/(\w+)=(\S*)/g)) fields.set(match[1]!, match[2]!);
  const state = fields.get('JobState');
  // An array task is logged under its own job id, with ArrayJobId/ArrayTaskId naming it the way squeue does.
  const arrayJob = fields.get('ArrayJobId');
  const arrayTask = fields.get('ArrayTaskId');
  const id = arrayJob && arrayTask && /^[0-9]+$/.test(arrayTask) ? `${arrayJob}_${arrayTask}` : fields.get('JobId');
  if (!id || !state) return null;
  return { id, observation: { state, exitCode: exitCodeOf(fields.get('ExitCode')), reason: null, node: none(fields.get('NodeList')) } };
}

/**
 * The task ids of one squeue/sacct row: `12_[0-3,7%2]` (tasks not yet started, listed as
 * one record) becomes 12_0 … 12_3, 12_7; any other id stands for itself.
 */
export function expandArrayTaskIds(id: string): string[] {
  const match = /^([0-9]+)_\[([0-9,-]+)(?:%[0-9]+)?\]$/.exec(id);
  if (!match) return [id];
  const ids: string[] = [];
  for (const range of match[2]!.split(',')) {
    const [from = NaN, to = from] = range.split('-').map(Number);
    for (let i = from; i <= to; i++) ids.push(`${match[1]}_${i}`);
  }
  return ids;
}

/** Slurm prints exit codes as `code:signal`. */
function exitCodeOf(text: string | undefined): number | null {
  const code = text?.split(':')[0];
  return code && /^[0-9]+$/.test(code) ? Number(code) : null;
}
