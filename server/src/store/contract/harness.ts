import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'node:test';
import type { Store } from '../store.js';

/** How the contract suite gets stores of one implementation. */
export interface StoreFactory {
  /** Shown in the test names. */
  readonly name: string;
  /** Why its tests are skipped (a missing prerequisite), or false. */
  readonly skip: string | false;
  /** A store on `dir`: empty the first time, the same data when opened on that directory again. */
  open(dir: string): Promise<Store>;
  /** Drops what `open` made outside `dir` (a PostgreSQL database, say), after its stores are closed; the suite removes `dir`. */
  cleanup(dir: string): Promise<void>;
}

/** What every contract test gets: stores that are closed and removed when the test ends, pass or fail. */
export interface Stores {
  /** A new, empty store. */
  fresh(): Promise<Store>;
  /** Closes a store from `fresh` and opens its data again, as a restarted server would. */
  reopen(store: Store): Promise<Store>;
}

/** One contract part: `describe`s and `it`s over stores from `stores`. */
export type ContractPart = (stores: Stores) => void;

/** Call inside a `describe`: registers the cleanup with it. */
export function storesOf(factory: StoreFactory): Stores {
  let open: { dir: string; store: Store }[] = [];
  const dirs = new Set<string>();
  afterEach(async () => {
    const closing = open;
    open = [];
    for (const { store } of closing) await store.close();
    for (const dir of dirs) {
      await factory.cleanup(dir);
      await rm(dir, { recursive: true, force: true });
    }
    dirs.clear();
  });
  const openOn = async (dir: string) => {
    const store = await factory.open(dir);
    open.push({ dir, store });
    return store;
  };
  return {
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'narrative-store-contract-'));
      dirs.add(dir);
      return openOn(dir);
    },
    async reopen(store) {
      const entry = open.find((o) => o.store === store);
      if (!entry) throw new Error('reopen takes a store from fresh() that is still open');
      open = open.filter((o) => o !== entry);
      await store.close();
      return openOn(entry.dir);
    },
  };
}
