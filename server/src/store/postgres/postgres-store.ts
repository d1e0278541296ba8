import type { Store } from '../store.js';
import { postgresFlavor } from '../sql/flavor.js';
import { sqlStore } from '../sql/store-on.js';
import { openPostgres } from './database.js';

/** The store of a centre's deployment: one PostgreSQL database that any number of servers share. */
export async function openPostgresStore(url: string): Promise<Store> {
  return sqlStore(await openPostgres(url), postgresFlavor);
}
