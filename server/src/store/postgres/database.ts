import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Tables } from '../sql/tables.js';
import { postgresMigrationProvider } from './migrations.js';
import { PostgresSchemaPlugin } from './schema-plugin.js';

/** Where `narrative db migrate` keeps how far it got, table by table (store/migrate/). */
export const COPY_PROGRESS_TABLE = 'narrative_sqlite_import';

/** Connections per server process: requests wait for one rather than open more. */
const POOL_SIZE = 10;

// The schema's integers are bigints (and counts are too); they hold ids and byte sizes, all far below 2^53.
const BIGINT = 20;
const NUMERIC = 1700;
const numbersAsNumbers = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === BIGINT || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Connects to the PostgreSQL database at `url` and brings its schema up to
 * date. Kysely's Migrator holds an advisory lock while it migrates, so two
 * servers starting together on one database migrate it once. A database
 * that `narrative db migrate` is still filling is refused: its rows are
 * partial, and its ids would collide with the rest of the copy's.
 */
export async function openPostgres(url: string, options: { refuseUnfinishedCopy: boolean } = { refuseUnfinishedCopy: true }): Promise<Kysely<Tables>> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, types: numbersAsNumbers });
  // An idle connection the database drops (a restart, say) must not take the process with it; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
  try {
    const migrating = db.withPlugin(new PostgresSchemaPlugin());
    const { error, results } = await new Migrator({ db: migrating, provider: postgresMigrationProvider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
    if (options.refuseUnfinishedCopy && (await holdsUnfinishedCopy(db))) {
      throw new Error('the database holds a copy from SQLite that has not finished (narrative db migrate stopped part-way): run `narrative db migrate` again to finish it first');
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function holdsUnfinishedCopy(db: Kysely<Tables>): Promise<boolean> {
  const { rows: [table] } = await sql<{ present: boolean }>`select to_regclass(${COPY_PROGRESS_TABLE}) is not null as present`.execute(db);
  if (!table?.present) return false;
  const { rows: [copy] } = await sql<{ unfinished: boolean }>`select exists (select 1 from ${sql.table(COPY_PROGRESS_TABLE)} where not finished) as unfinished`.execute(db);
  return copy?.unfinished === true;
}
