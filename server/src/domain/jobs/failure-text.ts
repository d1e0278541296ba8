import type { FailureReason, JobResult, Resources } from '@narrative/launcher-native';
import { startedAtOf, type Job } from './job.js';

/** When the app ran, as far as anyone knows: its wrapper's own times first, else what the reconciler saw. */
export interface RunTimes {
  startedAt: string | null;
  endedAt: string;
}

export function runTimesOf(job: Job, result: JobResult | null, now: string): RunTimes {
  return result ? { startedAt: result.startedAt, endedAt: result.endedAt } : { startedAt: startedAtOf(job), endedAt: now };
}

/**
 * A walltime or out-of-memory failure with its figures and one sentence saying
 * them: the limit, and how long the job ran or how much memory it held. What
 * the scheduler measured wins; the job's own resources fill in the rest.
 * Other reasons are returned as they are.
 */
export function explainFailure(reason: FailureReason, resources: Resources, result: JobResult | null, times: RunTimes): FailureReason {
  if (reason.kind === 'walltime') {
    const limitSeconds = reason.limitSeconds ?? resources.timeMinutes * 60;
    const ran = reason.ranSeconds ?? secondsBetween(times);
    const message = `stopped at its time limit of ${duration(limitSeconds)}${ran === null ? '' : ` after running ${duration(ran)}`}`;
    return { kind: 'walltime', limitSeconds, ...(ran === null ? {} : { ranSeconds: ran }), message };
  }
  if (reason.kind === 'out-of-memory') {
    const limitMiB = reason.limitMiB ?? result?.memory?.limitMiB ?? resources.memoryMiB;
    const peakMiB = reason.peakMiB ?? result?.memory?.peakMiB ?? null;
    const peak = peakMiB === null ? 'its peak was not measured' : `it held ${peakMiB} MiB at its peak`;
    return { kind: 'out-of-memory', limitMiB, peakMiB, message: `killed for memory: its limit is ${limitMiB} MiB and ${peak}` };
  }
  return reason;
}

function secondsBetween({ startedAt, endedAt }: RunTimes): number | null {
  const ms = startedAt ? Date.parse(endedAt) - Date.parse(startedAt) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 100) / 10 : null;
}

/** 0.4 s, 42 s, 5 min, 1 min 30 s, 1 h, 2 h 0 min 5 s. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  return [h ? `${h} h` : '', m || (h && s) ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ');
}
