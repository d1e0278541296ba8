import { sql, type Kysely, type MigrationProvider } from 'kysely';
import { migrationProvider } from '../sql/migrations.js';

/**
 * The shared migrations, after one of PostgreSQL's own: the SQLite JSON
 * functions a check constraint of the schema names, over PostgreSQL's json type.
 * Its name sorts first, so it runs before the migrations that use them.
 */
export const postgresMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return {
      '0000-postgres-sqlite-json-functions': {
        async up(db: Kysely<unknown>) {
          await sql`create function json_valid(text) returns boolean language plpgsql immutable as $$
            begin perform $1::json; return true; exception when invalid_text_representation then return false; end $$`.execute(db);
          await sql`create function json_type(text) returns text language sql immutable as $$ select json_typeof($1::json) $$`.execute(db);
          await sql`create function json_array_length(text) returns integer language sql immutable as $$ select json_array_length($1::json) $$`.execute(db);
        },
      },
      ...(await migrationProvider.getMigrations()),
    };
  },
};
