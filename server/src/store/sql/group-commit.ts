import type { Kysely } from 'kysely';
import type { Db } from './db.js';
import type { Tables } from './tables.js';

interface Pending {
  work: (tx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Transactions joined into one commit at most, and how long after the first began the last may join: together they bound how long one waits for its commit, and how long reads wait for the connection. */
const MOST_PER_COMMIT = 64;
const JOIN_WITHIN_MS = 10;

/**
 * Group commit for a database with one connection (SQLite), whose
 * transactions run one after another anyway. Transactions asked for while
 * one runs wait for it, then run together in one database transaction, each
 * in a savepoint of its own: one that fails rolls back its savepoint only,
 * and is refused at once; the others resolve only once their common commit
 * is on disk (a commit that fails refuses them all). So concurrent saves
 * share one commit, and its fsync, instead of paying one each.
 */
export class GroupCommit {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(private readonly root: Kysely<Tables>) {}

  run<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.commitOnce(this.queue.shift()!);
    } finally {
      this.running = false;
    }
  }

  /** Runs `first`, and whatever joins while the group is young and small, in one transaction. */
  private async commitOnce(first: Pending): Promise<void> {
    const taken = [first];
    const done: { pending: Pending; value: unknown }[] = [];
    const opened = performance.now();
    const mayJoin = () => taken.length < MOST_PER_COMMIT && this.queue.length > 0 && performance.now() - opened < JOIN_WITHIN_MS;
    try {
      const trx = await this.root.startTransaction().execute();
      try {
        for (let at = 0; at < taken.length || mayJoin(); at++) {
          if (at >= taken.length) taken.push(this.queue.shift()!);
          const current = taken[at]!;
          const point = await trx.savepoint('work').execute();
          try {
            const value = await current.work(point);
            await point.releaseSavepoint('work').execute();
            done.push({ pending: current, value });
          } catch (error) {
            // Its own error first: should the rollback fail too (SQLite may have ended the transaction itself), the group ends with that.
            current.reject(error);
            await point.rollbackToSavepoint('work').execute();
            await point.releaseSavepoint('work').execute();
          }
        }
        await trx.commit().execute();
      } catch (error) {
        await trx.rollback().execute().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // Nothing of this transaction was committed: each still waiting is refused (those refused already stay so).
      for (const pending of taken) pending.reject(error);
      return;
    }
    for (const { pending, value } of done) pending.resolve(value);
  }
}
