import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job } from '@narrative/server/client';
import { durationWords, resourceWords, stateLabel } from '../jobs/words.js';
import { isResubmission, resubmittableFailure } from './attempts.js';
import type { IParamChange, IRun } from './history.js';

/** What an ended job used, when the server says: CPU time, peak memory and how long it ran (each may be unmeasured). */
export interface IUsage {
  cpuSeconds: number | null;
  peakMemoryMiB: number | null;
  wallSeconds: number | null;
}

/**
 * What a job used: its `usage` where the server records one, else the peak an
 * out-of-memory failure measured. Read field by field: a server without
 * `usage` sends none, and the cell does not depend on it.
 */
export function usageOf(job: Job): IUsage | null {
  const usage = (job as { usage?: unknown }).usage;
  if (usage && typeof usage === 'object') {
    const figure = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const { cpuSeconds, peakMemoryMiB, wallSeconds } = usage as Record<string, unknown>;
    const found = { cpuSeconds: figure(cpuSeconds), peakMemoryMiB: figure(peakMemoryMiB), wallSeconds: figure(wallSeconds) };
    if (Object.values(found).some((v) => v !== null)) return found;
  }
  if (job.state === 'failed' && job.failure.kind === 'out-of-memory' && typeof job.failure.peakMiB === 'number') {
    return { cpuSeconds: null, peakMemoryMiB: job.failure.peakMiB, wallSeconds: null };
  }
  return null;
}

/** "Asked for 1 CPU · 64 MiB · 5 min time limit; used 12 s of CPU, 40 MiB at its peak, in 20 s". */
export function resourcesLine(job: Job, trans: TranslationBundle): string {
  const asked = trans.__('Asked for %1', resourceWords(job, trans));
  const usage = usageOf(job);
  if (!usage) return asked;
  const used: string[] = [];
  if (usage.cpuSeconds !== null) used.push(trans.__('%1 of CPU', secondsWords(usage.cpuSeconds, trans)));
  if (usage.peakMemoryMiB !== null) used.push(trans.__('%1 MiB at its peak', figure(usage.peakMemoryMiB)));
  if (usage.wallSeconds !== null) used.push(trans.__('in %1', secondsWords(usage.wallSeconds, trans)));
  return trans.__('%1; used %2', asked, used.join(', '));
}

/** A measured figure: one decimal below 10, whole above (a test app's run takes a fraction of a second). */
function figure(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

function secondsWords(seconds: number, trans: TranslationBundle): string {
  if (seconds >= 60) return durationWords(seconds * 1000, trans);
  return seconds < 0.1 ? trans.__('under 0.1 s') : trans.__('%1 s', figure(seconds));
}

/** What a run was given: "mode: ok, lines: 4". */
export function paramsWords(params: Record<string, unknown>, trans: TranslationBundle): string {
  const names = Object.keys(params).sort();
  if (names.length === 0) return trans.__('no parameters');
  return names.map((name) => `${name}: ${valueWords(params[name])}`).join(', ');
}

function valueWords(value: unknown): string {
  return value === undefined ? '–' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** "mode: ok → slow", for each parameter that changed; an unset one shows as –. */
export function changeWords(changes: readonly IParamChange[], trans: TranslationBundle): string {
  if (changes.length === 0) return trans.__('same parameters');
  return changes.map((c) => `${c.name}: ${valueWords(c.before)} → ${valueWords(c.after)}`).join(', ');
}

function afterWords(kind: 'out-of-memory' | 'walltime', trans: TranslationBundle): string {
  return kind === 'out-of-memory' ? trans.__('out of memory') : trans.__('its time limit');
}

/** "attempt 2 of a resubmission after out of memory"; empty for a run of one attempt. */
export function attemptWords(run: IRun, trans: TranslationBundle): string {
  const n = run.attempts.length;
  const before = run.attempts[n - 2];
  const kind = before ? resubmittableFailure(before) : null;
  if (!before || !kind || !isResubmission(before, run.job)) return '';
  return trans.__('attempt %1 of a resubmission after %2', n, afterWords(kind, trans));
}

/** One line per attempt of a resubmitted run: its job, how it ended and what it asked for. */
export function attemptLines(run: IRun, trans: TranslationBundle): string[] {
  if (run.attempts.length < 2) return [];
  return run.attempts.map((job, i) => {
    const kind = resubmittableFailure(job);
    const how = job.state === 'failed' && kind ? trans.__('failed: %1', 'message' in job.failure && job.failure.message ? job.failure.message : afterWords(kind, trans)) : stateLabel(job.state, trans);
    return trans.__('Attempt %1 (job %2): %3, with %4', i + 1, job.id, how, resourceWords(job, trans));
  });
}
