import type { Store } from '../store.js';
import { sqliteFlavor } from '../sql/flavor.js';
import { sqlStore } from '../sql/store-on.js';
import { openSqlite } from './database.js';

/** The embedded store: one SQLite file. */
export async function openSqliteStore(file: string): Promise<Store> {
  return sqlStore(await openSqlite(file), sqliteFlavor);
}
