import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job } from '@narrative/server/client';

/** A job's state as one sentence: why it waits and where, where it runs, or why it failed. */
export function describeJobState(job: Job, trans: TranslationBundle): string {
  switch (job.state) {
    case 'created':
      return trans.__('Job %1 created', job.id);
    case 'queued':
      // The server's plain words (the CLI and the Jobs panel say the same); an older server sends only Slurm's.
      if (job.waiting) return trans.__('Job %1 queued: %2', job.id, job.waiting);
      return job.queueReason
        ? trans.__('Job %1 queued (%2, position %3)', job.id, job.queueReason, job.queuePosition ?? '?')
        : trans.__('Job %1 queued', job.id);
    case 'running':
      return job.node ? trans.__('Job %1 running on %2', job.id, job.node) : trans.__('Job %1 running', job.id);
    case 'completed':
      return trans.__('Job %1 completed', job.id);
    case 'failed': {
      const failure = job.failure;
      let reason: string = failure.kind;
      if (failure.kind === 'exit-code') reason += ` (${trans.__('exit code %1', failure.code)})`;
      // The limit and what the app used, for memory and time failures.
      if ('message' in failure && failure.message) reason += `: ${failure.message}`;
      if ('detail' in failure) reason += `: ${failure.detail}`;
      return trans.__('Job %1 failed: %2', job.id, reason);
    }
    case 'cancelled':
      return trans.__('Job %1 cancelled', job.id);
  }
}
