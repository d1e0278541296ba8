import { EventEmitter } from 'node:events';

/**
 * How the servers that share one store agree: which of them reconciles jobs
 * with the scheduler, and wake-ups for each other's job streams. A server
 * alone has nobody to agree with (`aloneCoordination`); replicas on
 * PostgreSQL use its advisory locks and LISTEN/NOTIFY.
 */
export interface Coordination {
  /** Whether this server may reconcile jobs now: one server at a time does. */
  leadsReconciler(): Promise<boolean>;
  /** Tells every server on the store, this one included, that a job changed. A hint: a lost one costs a poll's delay. */
  announceJobChange(jobId: number): void;
  /** Hears every server's announcements. */
  onJobChange(listener: (jobId: number) => void): () => void;
  close(): Promise<void>;
}

/** The embedded default: one server per data directory (its lock sees to that), so it leads, and hears only itself. */
export function aloneCoordination(): Coordination {
  const changes = new EventEmitter().setMaxListeners(0);
  return {
    leadsReconciler: async () => true,
    announceJobChange: (jobId) => changes.emit('change', jobId),
    onJobChange(listener) {
      changes.on('change', listener);
      return () => changes.off('change', listener);
    },
    close: async () => {},
  };
}
