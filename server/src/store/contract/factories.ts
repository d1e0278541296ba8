import { join } from 'node:path';
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import type { StoreFactory } from './harness.js';

/**
 * Every Store implementation the contract suite runs against: the one place
 * to add a new store (a PostgreSQL one would create a database per directory
 * in `open` and drop it in `cleanup`).
 */
export const storeFactories: readonly StoreFactory[] = [
  {
    name: 'sqlite',
    open: (dir) => openSqliteStore(join(dir, 'narrative.sqlite')),
    // Its files live in the directory, which the suite removes.
    cleanup: async () => {},
  },
];
