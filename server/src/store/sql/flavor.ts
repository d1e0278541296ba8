import type { Db } from './db.js';
import { versionWithFiles } from './object-statements.js';

/**
 * What the SQL dialects do differently, in the few places the shared queries
 * care. Everything else is one query for both.
 */
export interface Flavor {
  /** The operator that matches a pattern ignoring ASCII case: SQLite's `like` already does, PostgreSQL's does not. */
  readonly likeIgnoringCase: 'like' | 'ilike';
  /**
   * Makes a transaction the only writer of one workspace's objects until it ends.
   * SQLite needs nothing (every write transaction holds the database); PostgreSQL
   * locks the workspace's row, or two saves of one name would both read the same
   * latest version and the second would fail on the key instead of going on after it.
   */
  lockWorkspace(tx: Db, wsid: number): Promise<void>;
  /**
   * Whether concurrent transactions share one commit (group-commit.ts). SQLite's
   * one connection runs them one after another anyway; PostgreSQL's pool runs
   * them side by side, each committing on its own.
   */
  readonly groupsCommits: boolean;
  /** A version with its files as one JSON text, in one statement: a get is the hottest read, and a statement is most of its cost. */
  readonly versionWithFiles: typeof versionWithFiles.sqlite;
}

export const sqliteFlavor: Flavor = {
  likeIgnoringCase: 'like',
  lockWorkspace: async () => {},
  groupsCommits: true,
  versionWithFiles: versionWithFiles.sqlite,
};

export const postgresFlavor: Flavor = {
  likeIgnoringCase: 'ilike',
  groupsCommits: false,
  versionWithFiles: versionWithFiles.postgres,
  async lockWorkspace(tx, wsid) {
    await tx.selectFrom('workspaces').select('id').where('id', '=', wsid).forUpdate().execute();
  },
};
