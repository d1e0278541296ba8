import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The lock file in the data directory: an empty SQLite database that one server holds exclusively. */
export const LOCK_FILE = 'narrative.lock';

/** Raised when another live server holds the data directory. */
export class DataDirInUse extends Error {
  constructor(readonly home: string) {
    super(
      `the data directory ${home} is in use by another narrative server (one server per data directory with SQLite; ` +
        `stop the other one first — \`fuser -v ${join(home, LOCK_FILE)}\` shows it)`,
    );
    this.name = 'DataDirInUse';
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for this process, or throws DataDirInUse. The lock
 * is SQLite's own exclusive lock (a POSIX record lock) on a database kept
 * open with a transaction that never ends: the kernel drops it when the
 * process dies, even by kill -9, so no stale lock is ever left to detect, and
 * SQLite also refuses a second connection from this same process (two
 * servers started in one test process).
 */
export function lockDataDir(home: string): DataDirLock {
  const file = join(home, LOCK_FILE);
  // timeout 0: a held lock answers SQLITE_BUSY at once rather than after waiting.
  const db = new Database(file, { timeout: 0 });
  try {
    chmodSync(file, 0o600);
    // No journal and no pages: the file stays empty; only its lock matters.
    db.pragma('journal_mode = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUse(home);
    throw error;
  }
  return {
    release() {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
