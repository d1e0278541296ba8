import type { Kysely } from 'kysely';
import type { Store } from '../store.js';
import { accountQueries } from './accounts.js';
import { appQueries } from './apps.js';
import { labStateQueries } from './lab-state.js';
import { blobQueries } from './blobs.js';
import { openSqlite } from './database.js';
import type { Db } from './db.js';
import { jobQueries } from './jobs.js';
import { kernelImageQueries } from './kernel-images.js';
import { narrativeQueries } from './narratives.js';
import { objectQueries } from './objects.js';
import { publicationQueries } from './publications.js';
import type { Tables } from './tables.js';
import { tokenReadQueries } from './token-reads.js';
import { workspaceQueries } from './workspaces.js';

/** The SQLite store: one query module per concept, composed over the database or a transaction. */
export async function openSqliteStore(file: string): Promise<Store> {
  const root = await openSqlite(file);
  return storeOn(root, root);
}

function storeOn(db: Db, root: Kysely<Tables>): Store {
  const inTransaction = <T>(work: (tx: Db) => Promise<T>): Promise<T> =>
    db.isTransaction ? work(db) : (db as Kysely<Tables>).transaction().execute((tx) => work(tx));
  return {
    transaction: (work) => inTransaction((tx) => work(storeOn(tx, root))),
    close: async () => {
      if (!db.isTransaction) await root.destroy();
    },
    ...accountQueries(db),
    ...tokenReadQueries(db),
    ...workspaceQueries(db),
    ...objectQueries(db, inTransaction),
    ...blobQueries(db),
    ...narrativeQueries(db),
    ...appQueries(db),
    ...kernelImageQueries(db),
    ...labStateQueries(db),
    ...jobQueries(db),
    ...publicationQueries(db, inTransaction),
  };
}
