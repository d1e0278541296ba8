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
  const id = fields.get('JobId');
  const state = fields.get('JobState');
  if (!id || !state) return null;
  return { id, observation: { state, exitCode: exitCodeOf(fields.get('ExitCode')), reason: null, node: none(fields.get('NodeList')) } };
}

/** Slurm prints exit codes as `code:signal`. */
function exitCodeOf(text: string | undefined): number | null {
  const code = text?.split(':')[0];
  return code && /^[0-9]+$/.test(code) ? Number(code) : null;
}
