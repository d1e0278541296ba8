import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Coordination } from '../coordination.js';

const CHANNEL = 'narrative_job_changes';
// One lease for all of reconciling: held by one replica's connection, dropped by PostgreSQL when that connection ends.
const RECONCILER_LEASE = 0x6e617273;
const RECONNECT_MS = 1000;
/** A question to the database that takes longer than this means the connection is lost: the lease with it. */
const QUERY_TIMEOUT_MS = 5000;
/** TCP keepalive probes start after this much silence, so a vanished database is noticed in seconds, not hours. */
const KEEPALIVE_MS = 5000;

/**
 * Replicas on one PostgreSQL database. A connection of this server's own
 * listens for job changes and holds the reconciler's lease, a session
 * advisory lock: when the server dies, even by kill -9, its connection closes
 * and PostgreSQL frees the lock at once, and the next replica to ask takes it
 * (each asks on every reconcile tick). The holder asks PostgreSQL whether it
 * still holds it on every tick too, so a replica cut off from the database
 * stops reconciling within one tick and the query timeout. A lost connection
 * is made again; until then this server neither leads nor hears, and its
 * streams poll.
 */
export async function postgresCoordination(url: string, logger: Logger): Promise<Coordination> {
  const changes = new EventEmitter().setMaxListeners(0);
  let client: pg.Client | null = null;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const fresh = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_MS, query_timeout: QUERY_TIMEOUT_MS });
    fresh.on('error', (error) => {
      logger.warn({ err: error }, 'the coordination connection to PostgreSQL failed; making it again');
      lost(fresh);
    });
    fresh.on('end', () => lost(fresh));
    fresh.on('notification', (message) => {
      const jobId = Number(message.payload);
      if (message.channel === CHANNEL && Number.isSafeInteger(jobId)) changes.emit('change', jobId);
    });
    try {
      await fresh.connect();
      await fresh.query(`listen ${CHANNEL}`);
    } catch (error) {
      await fresh.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await fresh.end().catch(() => {});
      return;
    }
    client = fresh;
  };
  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = null;
    which.end().catch(() => {});
    if (!closed) reconnect = setTimeout(retry, RECONNECT_MS);
  };
  const retry = () => {
    if (closed) return;
    connect().catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot reach PostgreSQL for coordination; trying again');
      if (!closed) reconnect = setTimeout(retry, RECONNECT_MS);
    });
  };

  await connect();
  return {
    async leadsReconciler() {
      const asking = client;
      if (!asking) return false;
      try {
        // Taken if free; if this connection holds it already, taking it again would only count it twice, so look first.
        const { rows } = await asking.query<{ leads: boolean }>(
          `select case
             when exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and objid = ($1::bigint)::oid and granted) then true
             else pg_try_advisory_lock($1::bigint)
           end as leads`,
          [RECONCILER_LEASE],
        );
        return rows[0]?.leads === true;
      } catch (error) {
        logger.warn({ err: error }, 'cannot ask PostgreSQL for the reconciler lease; letting it go');
        lost(asking);
        return false;
      }
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
      await last?.end().catch(() => {});
    },
  };
}
