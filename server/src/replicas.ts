import type { Config } from './config.js';

/**
 * Whether this server may share its data directory with other servers: on
 * PostgreSQL, running apps on Slurm (or none). Everything they share is then in
 * the database or written to the shared directory all-or-nothing. The local
 * scheduler's jobs are children of the server that started them, which only it
 * can follow, so a server running them stays alone on its data directory; so
 * does a server on SQLite, which one process writes.
 */
export function isReplica(config: Pick<Config, 'databaseUrl' | 'execution'>): boolean {
  return config.databaseUrl !== undefined && (config.execution.scheduler === 'slurm' || config.execution.scheduler === 'none');
}
