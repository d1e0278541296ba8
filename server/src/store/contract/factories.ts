import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { needsPostgres, sharedPostgresCluster } from '../../testing/postgres-cluster.js';
import { openPostgresStore } from '../postgres/postgres-store.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import { SQLITE_FILE } from '../open.js';
import type { StoreFactory } from './harness.js';

/** Every Store implementation the contract suite runs against: the one place to add a new store. */
export const storeFactories: readonly StoreFactory[] = [
  {
    name: 'sqlite',
    skip: false,
    open: (dir) => openSqliteStore(join(dir, SQLITE_FILE)),
    // Its files live in the directory, which the suite removes.
    cleanup: async () => {},
  },
  {
    name: 'postgres',
    skip: needsPostgres(),
    // One database per directory, on one server this test process starts.
    async open(dir) {
      const cluster = await sharedPostgresCluster();
      const database = databaseOf(dir);
      if (!createdDatabases.has(database)) {
        await cluster.createDatabase(database, await migratedTemplate());
        createdDatabases.add(database);
      }
      return openPostgresStore(cluster.url(database));
    },
    async cleanup(dir) {
      const database = databaseOf(dir);
      if (!createdDatabases.delete(database)) return;
      await (await sharedPostgresCluster()).dropDatabase(database);
    },
  },
];

const createdDatabases = new Set<string>();

let template: Promise<string> | undefined;

/** A database migrated once, which each test's database copies: faster than migrating each. */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = 'contract_template';
    const cluster = await sharedPostgresCluster();
    await (await openPostgresStore(await cluster.createDatabase(name))).close();
    return name;
  })();
  return template;
}

function databaseOf(dir: string): string {
  return `contract_${createHash('sha256').update(dir).digest('hex').slice(0, 24)}`;
}
