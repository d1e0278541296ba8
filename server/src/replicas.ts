import type { Config } from './config.js';

type ReplicaSettings = Pick<Config, 'replica' | 'databaseUrl' | 'execution'>;

/**
 * A replica (NARRATIVE_REPLICA=on) shares its data directory with other
 * servers: it takes no lock on the directory, agrees with the others through
 * the database, and runs no code-cell kernels. Refused here when it could not
 * share: on SQLite, which one process writes, or running apps on the local or
 * docker scheduler, whose jobs only the server that started them can follow.
 * Slurm's jobs, and everything in PostgreSQL or written all-or-nothing to the
 * shared directory, any replica can.
 */
export function checkReplicaSettings(config: ReplicaSettings): void {
  if (!config.replica) return;
  if (!config.databaseUrl) throw new Error('NARRATIVE_REPLICA=on needs NARRATIVE_DATABASE_URL: replicas share a PostgreSQL database, not the SQLite file');
  const scheduler = config.execution.scheduler;
  if (scheduler !== 'slurm' && scheduler !== 'none') {
    throw new Error(`NARRATIVE_REPLICA=on needs NARRATIVE_SCHEDULER=slurm (or none): the ${scheduler} scheduler's jobs are followed only by the server that started them`);
  }
}
