import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqlite } from './database.js';

/** The schema every migration together makes, as SQLite records it: checked in beside its source. */
const SNAPSHOT = fileURLToPath(new URL('../../../src/store/sqlite/schema.snapshot.sql', import.meta.url));

/**
 * The migrated schema is the one checked in, statement for statement: moving or
 * reshaping the migrations (for another database beside SQLite) must not change
 * what an existing data directory has. A deliberate change writes the snapshot
 * anew with NARRATIVE_UPDATE_SNAPSHOTS=1, and the diff shows it.
 */
describe('the SQLite schema', () => {
  it('is what the migrations made before, statement for statement', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-schema-'));
    try {
      const file = join(dir, 'narrative.sqlite');
      await (await openSqlite(file)).destroy();
      const db = new Database(file, { readonly: true });
      const rows = db.prepare("select type, name, sql from sqlite_master where sql is not null and name not like 'kysely_%' order by type, name").all() as { type: string; name: string; sql: string }[];
      const migrations = db.prepare('select name from kysely_migration order by name').all() as { name: string }[];
      db.close();
      const schema = [`-- migrations: ${migrations.map((m) => m.name).join(', ')}`, ...rows.map((r) => `-- ${r.type} ${r.name}\n${r.sql};`)].join('\n\n') + '\n';
      if (process.env.NARRATIVE_UPDATE_SNAPSHOTS === '1') await writeFile(SNAPSHOT, schema);
      assert.equal(schema, await readFile(SNAPSHOT, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
