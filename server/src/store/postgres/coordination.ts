import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Coordination } from '../coordination.js';

const CHANNEL = 'narrative_job_changes';
// One lease for all of reconciling: held by one replica's connection, dropped by PostgreSQL when that connection ends.
const RECONCILER_LEASE = 0x6e617273;
const RECONNECT_MS = 1000;

/**
 * Replicas on one PostgreSQL database. A connection of this server's own
 * listens for job changes and holds the reconciler's lease, a session
 * advisory lock: when the server dies, even by kill -9, its connection closes
 * and PostgreSQL frees the lock at once, and the next replica to ask takes it
 * (each asks on every reconcile tick). A lost connection is made again; until
 * then this server neither leads nor hears, and its streams poll.
 */
export async function postgresCoordination(url: string, logger: Logger): Promise<Coordination> {
  const changes = new EventEmitter().setMaxListeners(0);
  let client: pg.Client | null = null;
  let leads = false;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const fresh = new pg.Client({ connectionString: url, keepAlive: true });
    fresh.on('error', (error) => {
      logger.warn({ err: error }, 'the coordination connection to PostgreSQL failed; making it again');
      lost(fresh);
    });
    fresh.on('end', () => lost(fresh));
    fresh.on('notification', (message) => {
      const jobId = Number(message.payload);
      if (message.channel === CHANNEL && Number.isSafeInteger(jobId)) changes.emit('change', jobId);
    });
    await fresh.connect();
    await fresh.query(`listen ${CHANNEL}`);
    client = fresh;
  };
  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = null;
    leads = false;
    which.end().catch(() => {});
    if (!closed) reconnect = setTimeout(retry, RECONNECT_MS);
  };
  const retry = () => {
    connect().catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot reach PostgreSQL for coordination; trying again');
      if (!closed) reconnect = setTimeout(retry, RECONNECT_MS);
    });
  };

  await connect();
  return {
    async leadsReconciler() {
      if (leads || !client) return leads;
      try {
        const { rows } = await client.query<{ taken: boolean }>('select pg_try_advisory_lock($1) as taken', [RECONCILER_LEASE]);
        leads = rows[0]?.taken === true;
      } catch {
        leads = false;
      }
      return leads;
    },
    announceJobChange(jobId) {
      changes.emit('change', jobId);
      client?.query('select pg_notify($1, $2)', [CHANNEL, String(jobId)]).catch(() => {});
    },
    onJobChange(listener) {
      changes.on('change', listener);
      return () => changes.off('change', listener);
    },
    async close() {
      closed = true;
      clearTimeout(reconnect);
      const last = client;
      client = null;
      leads = false;
      await last?.end().catch(() => {});
    },
  };
}
