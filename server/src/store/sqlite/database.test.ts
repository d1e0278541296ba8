import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, type Migration } from 'kysely';
import { TransactionalDdlSqliteDialect } from './database.js';

/** Two migrations; the second fails after its first statement, as a crash between its statements would. */
function migrations(secondFails: boolean): Record<string, Migration> {
  return {
    '0001-a': { up: (db) => db.schema.createTable('a').addColumn('id', 'integer').execute() },
    '0002-b': {
      async up(db) {
        await db.schema.alterTable('a').addColumn('added', 'text').execute();
        if (secondFails) throw new Error('killed mid-migration');
        await db.schema.createTable('b').addColumn('id', 'integer').execute();
      },
    },
  };
}

describe('SQLite schema migrations', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'narrative-migrate-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  const migrate = async (file: string, secondFails: boolean) => {
    const db = new Kysely<unknown>({ dialect: new TransactionalDdlSqliteDialect({ database: new Database(file) }) });
    try {
      const outcome = await new Migrator({ db, provider: { getMigrations: async () => migrations(secondFails) } }).migrateToLatest();
      const columns = new Database(file).prepare("select name from pragma_table_info('a')").all() as { name: string }[];
      return { error: outcome.error, columns: columns.map((c) => c.name) };
    } finally {
      await db.destroy();
    }
  };

  it('apply all together or not at all: a migration that fails half way leaves nothing, and runs whole the next time', async () => {
    const file = join(dir, 'db.sqlite');
    const failed = await migrate(file, true);
    assert.match(String(failed.error), /killed mid-migration/);
    assert.deepEqual(failed.columns, [], 'not even the first migration, which came in the same run');
    const again = await migrate(file, false);
    assert.equal(again.error, undefined);
    assert.deepEqual(again.columns, ['id', 'added']);
  });
});
