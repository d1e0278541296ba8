import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteAdapter, SqliteDialect, type DialectAdapter, type Driver, type SqliteDialectConfig } from 'kysely';
import { migrationProvider } from '../sql/migrations.js';
import type { Tables } from '../sql/tables.js';
import { FifoSqliteDriver } from './fifo-driver.js';

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
        prepareOnce(sqlite);
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

/** Also hands the one connection to queries in the order they asked for it (fifo-driver.ts). */
export class TransactionalDdlSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Statements kept prepared per connection: enough for every query the server makes, bounded for those whose text varies (IN lists). */
const PREPARED_STATEMENTS = 1000;

/**
 * Kysely prepares every statement anew on every call, which costs more than
 * running a simple one: the connection keeps each statement prepared and
 * hands it out again by its text (least recently used ones dropped past
 * PREPARED_STATEMENTS). A statement still busy (a stream being read) is not
 * handed out twice; a fresh one is prepared instead.
 *
 * Kysely also starts every transaction with a plain (deferred) BEGIN. Deferred, a
 * transaction that read before another connection committed cannot write
 * afterwards: SQLite answers SQLITE_BUSY at once, without waiting. IMMEDIATE
 * takes the write lock first (waiting up to busy_timeout) and so reads the
 * latest commit: whoever loses a race, such as two ingests of one job's
 * outputs, sees the winner's rows instead of failing. One server process has
 * a single connection, so this changes nothing there.
 */
function prepareOnce(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const prepared = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const kept = prepared.get(source);
    if (kept && !kept.busy) {
      prepared.delete(source);
      prepared.set(source, kept);
      return kept;
    }
    const statement = prepare(source === 'begin' ? 'begin immediate' : source);
    if (kept) return statement;
    prepared.set(source, statement);
    if (prepared.size > PREPARED_STATEMENTS) prepared.delete(prepared.keys().next().value!);
    return statement;
  }) as typeof sqlite.prepare;
}
