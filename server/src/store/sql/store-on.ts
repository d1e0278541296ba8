import type { Kysely } from 'kysely';
import type { Store } from '../store.js';
import { accountQueries } from './accounts.js';
import { appQueries } from './apps.js';
import { blobQueries } from './blobs.js';
import type { Db } from './db.js';
import type { Flavor } from './flavor.js';
import { GroupCommit } from './group-commit.js';
import { jobQueries } from './jobs.js';
import { kernelImageQueries } from './kernel-images.js';
import { labStateQueries } from './lab-state.js';
import { lineageQueries } from './lineage.js';
import { narrativeQueries } from './narratives.js';
import { objectQueries } from './objects.js';
import { publicationQueries } from './publications.js';
import type { Tables } from './tables.js';
import { tokenReadQueries } from './token-reads.js';
import { workspaceQueries } from './workspaces.js';

/** A Store over an SQL database (SQLite or PostgreSQL): one query module per concept, composed over the database or a transaction. */
export function sqlStore(root: Kysely<Tables>, flavor: Flavor): Store {
  const commits = flavor.groupsCommits ? new GroupCommit(root) : null;
  const begin = <T>(work: (tx: Db) => Promise<T>): Promise<T> => (commits ? commits.run(work) : root.transaction().execute((tx) => work(tx)));
  return storeOn(root, root, flavor, begin);
}

function storeOn(db: Db, root: Kysely<Tables>, flavor: Flavor, begin: <T>(work: (tx: Db) => Promise<T>) => Promise<T>): Store {
  const inTransaction = <T>(work: (tx: Db) => Promise<T>): Promise<T> => (db.isTransaction ? work(db) : begin(work));
  return {
    transaction: (work) => inTransaction((tx) => work(storeOn(tx, root, flavor, begin))),
    close: async () => {
      if (!db.isTransaction) await root.destroy();
    },
    ...accountQueries(db),
    ...tokenReadQueries(db),
    ...workspaceQueries(db),
    ...objectQueries(db, inTransaction, flavor),
    ...lineageQueries(db),
    ...blobQueries(db),
    ...narrativeQueries(db),
    ...appQueries(db),
    ...kernelImageQueries(db),
    ...labStateQueries(db),
    ...jobQueries(db, inTransaction),
    ...publicationQueries(db, inTransaction),
  };
}
