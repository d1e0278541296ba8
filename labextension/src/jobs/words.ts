import type { TranslationBundle } from '@jupyterlab/translation';
import { elapsedOf, type Job } from '@narrative/server/client';

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
 * the same words the CLI prints), where it runs, what it made, why it failed.
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
    case 'failed': {
      const f = job.failure;
      if (f.kind === 'exit-code') return trans.__('the app exited with code %1', f.code);
      const said = 'message' in f && f.message ? f.message : 'detail' in f ? f.detail : '';
      return said ? `${f.kind}: ${said}` : f.kind;
    }
    case 'cancelled':
      return trans.__('cancelled');
  }
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

export function durationWords(ms: number, trans: TranslationBundle): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return trans.__('%1 s', s);
  const min = Math.floor(s / 60);
  if (min < 60) return trans.__('%1 min', min);
  const h = Math.floor(min / 60);
  if (h < 24) return trans.__('%1 h %2 min', h, min % 60);
  return trans.__('%1 d %2 h', Math.floor(h / 24), h % 24);
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
