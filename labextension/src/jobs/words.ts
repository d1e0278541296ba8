import type { TranslationBundle } from '@jupyterlab/translation';
import { durationText, elapsedOf, type Job } from '@narrative/server/client';

type Failure = Extract<Job, { state: 'failed' }>['failure'];
/** The client names durationText's words only by its parameter: the lab's are its translations. */
type DurationWords = NonNullable<Parameters<typeof durationText>[1]>;

/** The states a job may still be cancelled in. */
export const CANCELLABLE: readonly Job['state'][] = ['created', 'queued', 'running'];

/** The state filter's choices and the states each asks the server for (`all`: no filter). */
export const STATE_FILTERS = {
  all: undefined,
  active: 'created,queued,running',
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type StateFilter = keyof typeof STATE_FILTERS;

export function stateFilterLabel(filter: StateFilter, trans: TranslationBundle): string {
  const labels: Record<StateFilter, string> = {
    all: trans.__('All jobs'),
    active: trans.__('Waiting or running'),
    queued: trans.__('Queued'),
    running: trans.__('Running'),
    completed: trans.__('Completed'),
    failed: trans.__('Failed'),
    cancelled: trans.__('Cancelled'),
  };
  return labels[filter];
}

export function stateLabel(state: Job['state'], trans: TranslationBundle): string {
  const labels: Record<Job['state'], string> = {
    created: trans.__('created'),
    queued: trans.__('queued'),
    running: trans.__('running'),
    completed: trans.__('completed'),
    failed: trans.__('failed'),
    cancelled: trans.__('cancelled'),
  };
  return labels[state];
}

/**
 * Where the job is, in one sentence: why it waits (the server's `waiting`,
 * the same words the CLI prints, shown as they come under `statusLabel`),
 * where it runs, what it made, why it failed.
 */
export function statusWords(job: Job, trans: TranslationBundle): string {
  switch (job.state) {
    case 'created':
      return trans.__('being handed to the scheduler');
    case 'queued':
      // An older server has no `waiting`: its raw reason is still better than nothing.
      return job.waiting || job.queueReason || trans.__('waiting in the queue');
    case 'running':
      return job.node ? trans.__('running on %1', job.node) : trans.__('running');
    case 'completed':
      return trans._n('%1 output saved', '%1 outputs saved', job.outputs.length);
    case 'failed':
      return failureWords(job.failure, trans);
    case 'cancelled':
      return trans.__('cancelled');
  }
}

/**
 * The label before `statusWords` when they are the server's own sentence
 * (which stays in the server's language): empty when they are the lab's.
 */
export function statusLabel(job: Job, trans: TranslationBundle): string {
  return job.state === 'queued' && (job.waiting || job.queueReason) ? trans.__('In the queue:') : '';
}

/**
 * Why a job failed, in the lab's words: from the figures where the server
 * gives them, else a sentence for the kind with the server's detail after it.
 */
export function failureWords(f: Failure, trans: TranslationBundle): string {
  const told = (label: string, detail: string) => (detail ? trans.__('%1: %2', label, detail) : label);
  switch (f.kind) {
    case 'exit-code':
      return trans.__('the app exited with code %1', f.code);
    case 'walltime': {
      if (f.limitSeconds === undefined) return trans.__('stopped at its time limit');
      const limit = durationWords(f.limitSeconds * 1000, trans);
      return f.ranSeconds === undefined
        ? trans.__('stopped at its time limit of %1', limit)
        : trans.__('stopped at its time limit of %1 after running %2', limit, durationWords(f.ranSeconds * 1000, trans));
    }
    case 'out-of-memory':
      if (f.limitMiB === undefined) return trans.__('killed for using too much memory');
      return typeof f.peakMiB === 'number'
        ? trans.__('killed for memory: its limit is %1 MiB and it held %2 MiB at its peak', f.limitMiB, f.peakMiB)
        : trans.__('killed for memory: its limit is %1 MiB and its peak was not measured', f.limitMiB);
    case 'node-failure':
      return told(trans.__('the node it ran on failed'), f.detail);
    case 'preempted':
      return trans.__('preempted: the scheduler stopped it to run other work');
    case 'launcher-error':
      return told(trans.__('it could not be handed to the scheduler'), f.detail);
    case 'dependency':
      return told(trans.__('it never ran: an earlier step did not complete'), f.detail);
    case 'invalid-outputs':
      return told(trans.__('its outputs could not be saved'), f.detail);
    case 'lost':
      return told(trans.__('the scheduler lost track of it'), f.detail);
  }
  // A kind from a newer server than this lab: its name is all there is to say.
  return String((f as { kind: unknown }).kind);
}

/** "queued for 2 min", "running for 40 s", "ran for 3 min", "waited 5 s, never ran"; empty when a time is unreadable. */
export function elapsedWords(job: Job, now: number, trans: TranslationBundle): string {
  const e = elapsedOf(job, now);
  if (!e) return '';
  const d = durationWords(e.ms, trans);
  switch (e.phase) {
    case 'queued':
      return trans.__('queued for %1', d);
    case 'running':
      return trans.__('running for %1', d);
    case 'ran':
      return trans.__('ran for %1', d);
    case 'waited':
      return trans.__('waited %1, never ran', d);
  }
}

/** `durationText` (the CLI's rounding, one rule) in the lab's words. */
export function durationWords(ms: number, trans: TranslationBundle): string {
  const words: DurationWords = {
    s: (s) => trans.__('%1 s', s),
    min: (min) => trans.__('%1 min', min),
    h: (h) => trans.__('%1 h', h),
    hMin: (h, min) => trans.__('%1 h %2 min', h, min),
    d: (d) => trans.__('%1 d', d),
    dH: (d, h) => trans.__('%1 d %2 h', d, h),
  };
  return durationText(ms, words);
}

/** What the job asked the scheduler for: "4 CPUs · 64 MiB · 5 min" (and GPUs when any). */
export function resourceWords(job: Job, trans: TranslationBundle): string {
  const r = job.resources;
  if (!r) return '';
  const memory = r.memoryMiB >= 1024 && r.memoryMiB % 1024 === 0 ? trans.__('%1 GiB', r.memoryMiB / 1024) : trans.__('%1 MiB', r.memoryMiB);
  const parts = [trans._n('%1 CPU', '%1 CPUs', r.cpus), memory, trans.__('%1 time limit', durationWords(r.timeMinutes * 60_000, trans))];
  if (r.gpus > 0) parts.push(trans._n('%1 GPU', '%1 GPUs', r.gpus));
  return parts.join(' · ');
}
