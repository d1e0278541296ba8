import { join } from 'node:path';
import type { Config } from '../config.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The SQLite file in a data directory: the embedded default store. */
export const SQLITE_FILE = 'narrative.sqlite';

/** The store a server's configuration names: PostgreSQL at `databaseUrl`, else the data directory's SQLite file. */
export function openStore(config: Pick<Config, 'home' | 'databaseUrl'>): Promise<Store> {
  return config.databaseUrl ? openPostgresStore(config.databaseUrl) : openSqliteStore(join(config.home, SQLITE_FILE));
}
