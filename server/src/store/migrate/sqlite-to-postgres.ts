import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { COPY_PROGRESS_TABLE, openPostgres } from '../postgres/database.js';
import { openSqlite } from '../sqlite/database.js';
import { columnList, postgresDigest, quoted, sqliteDigest, type TableDigest } from './table-digest.js';
import { tablesInCopyOrder, type TableShape } from './table-order.js';

/** Where the copy is, for a progress bar: `copied` of `total` rows of `table`. */
export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface MigrationReport {
  /** Whether an interrupted copy into this database was taken up where it stopped. */
  resumed: boolean;
  tables: ({ name: string } & TableDigest)[];
}

/** Rows per transaction, and bytes: a batch of large objects commits sooner. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 8 << 20;
// Held on a connection of its own for the whole copy: a second copy into the same database waits for none, it is refused.
const COPY_LOCK = 0x6e617272;
const PROGRESS = COPY_PROGRESS_TABLE;
// What the target may hold besides the tables the copy fills: the schema migrator's records and the copy's own progress.
const OWN_TABLES = ['kysely_migration', 'kysely_migration_lock', PROGRESS];

/**
 * Copies the SQLite store at `sqliteFile` into the empty PostgreSQL database
 * at `url`: table by table, parents first, in batches that each commit with
 * the point they reached, so a copy that stops (a crash, a lost connection)
 * is taken up there by the next run. A database that holds anything else is
 * refused. At the end every table's row count and the digest of its rows in
 * key order must agree on both sides, or the copy is not marked finished.
 * The caller holds the data directory, so nothing writes the source meanwhile.
 */
export async function migrateSqliteToPostgres(sqliteFile: string, url: string, onProgress: (p: CopyProgress) => void = () => {}): Promise<MigrationReport> {
  // A wrong data directory would otherwise be an empty new database, copied "successfully".
  if (!existsSync(sqliteFile)) throw new Error(`there is no SQLite store at ${sqliteFile}: is NARRATIVE_HOME the server's data directory?`);
  // Both schemas brought to the latest migration, so their tables agree.
  await (await openSqlite(sqliteFile)).destroy();
  const sqlite = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => {});
  let db: Kysely<unknown> | undefined;
  try {
    await lock.connect();
    const { rows } = await lock.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [COPY_LOCK]);
    if (!rows[0]?.locked) throw new Error('another copy into this database is running');
    const tables = tablesInCopyOrder(sqlite);
    const { rows: present } = await lock.query<{ name: string }>('select table_name as name from information_schema.tables where table_schema = current_schema()');
    const others = present.map((t) => t.name).filter((name) => !OWN_TABLES.includes(name) && !tables.some((t) => t.name === name));
    if (others.length > 0) throw new Error(`the database is not empty (it has tables ${others.slice(0, 5).join(', ')}): give an empty database`);
    db = (await openPostgres(url, { refuseUnfinishedCopy: false })) as unknown as Kysely<unknown>;
    const resumed = await startOrResume(db, tables);
    for (const table of tables) await copyTable(sqlite, db, table, onProgress);
    for (const table of tables.filter((t) => t.serial)) {
      const column = quoted(table.serial!);
      await sql`select setval(pg_get_serial_sequence(${table.name}, ${table.serial}), coalesce((select max(${sql.raw(column)}) from ${sql.raw(quoted(table.name))}), 0) + 1, false)`.execute(db);
    }
    const report: MigrationReport = { resumed, tables: [] };
    for (const table of tables) {
      const source = await sqliteDigest(sqlite, table);
      const target = await postgresDigest(db, table);
      if (source.rows !== target.rows || source.sha256 !== target.sha256) {
        throw new Error(`table ${table.name} differs after the copy: ${source.rows} rows (sha256 ${source.sha256}) in SQLite, ${target.rows} (sha256 ${target.sha256}) in PostgreSQL`);
      }
      report.tables.push({ name: table.name, ...source });
    }
    await sql`update ${sql.raw(PROGRESS)} set finished = true`.execute(db);
    return report;
  } finally {
    sqlite.close();
    await db?.destroy();
    await lock.end().catch(() => {});
  }
}

/** Starts a copy into an empty database, or takes up an unfinished one; refuses a database with other data or a finished copy. */
async function startOrResume(db: Kysely<unknown>, tables: TableShape[]): Promise<boolean> {
  await sql`create table if not exists ${sql.raw(PROGRESS)} (table_name text primary key, last_rowid bigint not null, finished boolean not null default false)`.execute(db);
  const progress = await sql<{ finished: boolean }>`select finished from ${sql.raw(PROGRESS)}`.execute(db);
  if (progress.rows.some((r) => r.finished)) throw new Error('this database already holds a finished copy; point the server at it, or give an empty database');
  if (progress.rows.length > 0) return true;
  for (const table of tables) {
    const { rows } = await sql<{ any: number }>`select count(*) as any from (select 1 from ${sql.raw(quoted(table.name))} limit 1) as t`.execute(db);
    if (Number(rows[0]?.any) > 0) throw new Error(`the database is not empty (table ${table.name} has rows): give an empty database`);
  }
  await db.transaction().execute(async (tx) => {
    for (const table of tables) await sql`insert into ${sql.raw(PROGRESS)} (table_name, last_rowid) values (${table.name}, 0)`.execute(tx);
  });
  return false;
}

async function copyTable(sqlite: Database.Database, db: Kysely<unknown>, table: TableShape, onProgress: (p: CopyProgress) => void): Promise<void> {
  const progress = await sql<{ last_rowid: number }>`select last_rowid from ${sql.raw(PROGRESS)} where table_name = ${table.name}`.execute(db);
  if (progress.rows.length === 0) throw new Error(`the copy's progress has no row for table ${table.name}; give an empty database`);
  let last = Number(progress.rows[0]!.last_rowid);
  const { total } = sqlite.prepare(`select count(*) as total from ${quoted(table.name)}`).get() as { total: number };
  let copied = (sqlite.prepare(`select count(*) as n from ${quoted(table.name)} where rowid <= ?`).get(last) as { n: number }).n;
  onProgress({ table: table.name, copied, total });
  const rows = sqlite.prepare(`select rowid as narrative_rowid, ${columnList(table.columns)} from ${quoted(table.name)} where rowid > ? order by rowid`).iterate(last) as IterableIterator<{ narrative_rowid: number } & Record<string, unknown>>;
  // Rows are read one at a time and sent in batches bounded by count and bytes: a table of large objects never sits in memory whole.
  let batch: Record<string, unknown>[] = [];
  let bytes = 0;
  const flush = async (through: number) => {
    const values = batch;
    batch = [];
    bytes = 0;
    try {
      await db.transaction().execute(async (tx) => {
        await (tx as Kysely<Record<string, Record<string, unknown>>>).insertInto(table.name).values(values).execute();
        await sql`update ${sql.raw(PROGRESS)} set last_rowid = ${through} where table_name = ${table.name}`.execute(tx);
      });
    } catch (error) {
      throw new Error(`copying table ${table.name}, rows after rowid ${last} through ${through}: ${(error as Error).message}`);
    }
    last = through;
    copied += values.length;
    onProgress({ table: table.name, copied, total });
  };
  let through = last;
  for (const { narrative_rowid: rowid, ...row } of rows) {
    batch.push(row);
    bytes += JSON.stringify(row).length;
    through = rowid;
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush(through);
  }
  if (batch.length > 0) await flush(through);
}
