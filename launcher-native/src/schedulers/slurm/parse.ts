import type { SlurmObservation } from './state-table.js';

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatch(stdout: string): string {
  const id = stdout.trim().split(';')[0] ?? '';
  if (!/^[0-9]+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`);
  return id;
}

const none = (text: string | undefined) => (text === undefined || text === '' || text === 'None' || text === '(null)' ? null : text);

/** Lines of `squeue --format=%i|%T|%r|%N`, by job id. squeue shows no exit codes. */
export function parseSqueue(stdout: string): Map<string, SlurmObservation> {
  const out = new Map<string, SlurmObservation>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [id, state, reason, node] = line.split('|');
    if (!id || !state) continue;
    out.set(id.trim(), { state: state.trim(), exitCode: null, reason: none(reason?.trim()), node: none(node?.trim()) });
  }
  return out;
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
