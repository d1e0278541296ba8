import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteAdapter, SqliteDialect, type DialectAdapter, type SqliteDialectConfig } from 'kysely';
import { migrationProvider } from '../sql/migrations.js';
import type { Tables } from '../sql/tables.js';

/**
 * Opens (creating if needed) the SQLite database in WAL mode with foreign keys
 * on, and brings its schema up to date.
 */
export async function openSqlite(file: string): Promise<Kysely<Tables>> {
  const db = new Kysely<Tables>({
    dialect: new TransactionalDdlSqliteDialect({
      database: async () => {
        const sqlite = new Database(file);
        // Before the WAL exists: SQLite gives -wal and -shm the database file's mode. Only the server reads them.
        for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
        sqlite.pragma('journal_mode = WAL');
        // FULL: a committed save survives power loss, not only a killed process.
        sqlite.pragma('synchronous = FULL');
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma('busy_timeout = 5000');
        beginImmediate(sqlite);
        return sqlite;
      },
    }),
  });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
  return db;
}

/**
 * SQLite changes schemas in transactions; Kysely's adapter says it does not, and
 * its Migrator then runs migrations bare: a crash between two statements of one
 * would leave it half applied, and its first statement would fail at every start
 * after. Said here, all pending migrations and their record commit together or not at all.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class TransactionalDdlSqliteDialect extends SqliteDialect {
  constructor(config: SqliteDialectConfig) {
    super(config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Kysely starts every transaction with a plain (deferred) BEGIN. Deferred, a
 * transaction that read before another connection committed cannot write
 * afterwards: SQLite answers SQLITE_BUSY at once, without waiting. IMMEDIATE
 * takes the write lock first (waiting up to busy_timeout) and so reads the
 * latest commit: whoever loses a race, such as two ingests of one job's
 * outputs, sees the winner's rows instead of failing. One server process has
 * a single connection, so this changes nothing there.
 */
function beginImmediate(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => prepare(source === 'begin' ? 'begin immediate' : source)) as typeof sqlite.prepare;
}
