import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning } from '@narrative/launcher-native';

/**
 * A lock without a pid this old is a crash's leftover: a lock is renamed into
 * place with its pid inside, so only an older kind of taker (mkdir, then the
 * pid) leaves one empty, and only for a moment.
 */
const PIDLESS_STALE_MS = 60_000;

interface Holder {
  pid: number | null;
  ino: number;
  ageMs: number;
}

/**
 * A directory of image builds, one folder per app (`<cache>/<app>/image.oci.tar`
 * and `image.json`, as `narrative app build --out` leaves them), each usable
 * while its recorded source digest is the app's current one. The same layout
 * and lock as test/support/built-apps.ts, so servers and test runs share builds:
 * a lock directory `<app>.lock` holding its owner's pid, a build staged in
 * `<app>.<pid>` and renamed into place whole.
 *
 * Whatever this process leaves beside an app while it works is named
 * `<app>.<pid>…` or `<app>.lock.<pid>…`, so the next taker of the lock can
 * clear what a dead process left.
 */
export class BuildCache {
  constructor(readonly dir: string) {}

  folderOf(app: string): string {
    return join(this.dir, app);
  }

  /** Where this process stages a new build of `app`, renamed into place by `keep`. */
  stagingOf(app: string): string {
    return `${this.folderOf(app)}.${process.pid}`;
  }

  /**
   * Makes the directory (0700) if it is missing, and refuses one that another
   * account could plant a build in: a build from here becomes an image every
   * user runs. (NARRATIVE_BUILD_CACHE may name any directory.)
   */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const s = await lstat(this.dir);
    if (s.isSymbolicLink()) throw new Error(`the build cache ${this.dir} is a symbolic link; it must be a directory itself`);
    if (!s.isDirectory()) throw new Error(`the build cache ${this.dir} is not a directory`);
    const uid = process.getuid?.();
    if (uid !== undefined && s.uid !== uid) throw new Error(`the build cache ${this.dir} belongs to user id ${s.uid}, not to the server's own (${uid})`);
    if ((s.mode & 0o022) !== 0) throw new Error(`others may write to the build cache ${this.dir} (mode ${(s.mode & 0o777).toString(8)}); make it writable by its owner only (chmod go-w)`);
  }

  /** Replaces the app's cached build with the staged one; the old one is moved aside first, so a crash never leaves half of it. */
  async keep(app: string): Promise<void> {
    const aside = this.asideOf(app);
    await rm(aside, { recursive: true, force: true });
    await rename(this.folderOf(app), aside).catch(ignoreMissing);
    try {
      await rename(this.stagingOf(app), this.folderOf(app));
    } catch (error) {
      await rename(aside, this.folderOf(app)).catch(() => undefined);
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
  }

  /** Removes what a failed or stopped build staged. */
  async discard(app: string): Promise<void> {
    await rm(this.stagingOf(app), { recursive: true, force: true });
  }

  /** Removes the app's cached build: gone at once (moved aside), then deleted. */
  async forget(app: string): Promise<void> {
    const aside = this.asideOf(app);
    await rename(this.folderOf(app), aside).catch(ignoreMissing);
    await rm(aside, { recursive: true, force: true });
  }

  /**
   * Takes the app's lock, waiting while a live process holds it (a dead
   * owner's lock, or one without a pid for a minute, is taken over), and
   * clears what dead processes left. `waiting` is told who holds it (null:
   * not known yet); `stopped` ends the wait. The function returned lets go.
   */
  async lock(app: string, o: { waitMs: number; waiting: (owner: number | null) => void; stopped: () => boolean }): Promise<() => Promise<void>> {
    await this.prepare();
    const lock = this.lockOf(app);
    const until = Date.now() + o.waitMs;
    for (;;) {
      if (await this.take(app)) {
        await this.clearLeftovers(app);
        return () => this.release(app);
      }
      const holder = await holderOf(lock);
      // Let go of meanwhile: try again at once.
      if (!holder) continue;
      if (holder.pid === null ? holder.ageMs > PIDLESS_STALE_MS : !isRunning(holder.pid)) await this.takeOver(app, holder);
      else if (o.stopped()) throw new Error('stopped while waiting for the build cache');
      else if (Date.now() > until) throw new Error(`${lock} is still held by process ${holder.pid ?? '?'}`);
      else {
        o.waiting(holder.pid);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private lockOf(app: string): string {
    return `${this.folderOf(app)}.lock`;
  }

  /** Where this process moves an app's build while replacing or removing it. */
  private asideOf(app: string): string {
    return `${this.folderOf(app)}.${process.pid}.old`;
  }

  /** This process's own name beside the lock, unique per call: two servers in one process may take turns at it. */
  private besideLock(app: string, what: string): string {
    return `${this.lockOf(app)}.${process.pid}.${randomBytes(4).toString('hex')}.${what}`;
  }

  /**
   * One attempt: the lock appears whole, pid inside, by renaming a directory
   * made aside (rename fails on a lock that has its pid). Then checked: an
   * older kind of taker may have written its pid into it after all.
   */
  private async take(app: string): Promise<boolean> {
    const lock = this.lockOf(app);
    // rename would replace an empty directory: an older taker's lock, in the moment before its pid is written.
    if (await lstat(lock).then(() => true, ignoreMissingAsFalse)) return false;
    const made = this.besideLock(app, 'tmp');
    try {
      await mkdir(made, { mode: 0o700 });
      await writeFile(join(made, 'pid'), String(process.pid));
      await rename(made, lock);
    } catch (error) {
      await rm(made, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') return false;
      throw error;
    }
    return (await holderOf(lock))?.pid === process.pid;
  }

  /**
   * Removes a dead owner's lock by moving it aside first: of two waiters who
   * found the same dead owner, only one moves it. A waiter that judged too
   * late and moved a live lock instead (a new owner's) puts it back.
   */
  private async takeOver(app: string, stale: Holder): Promise<void> {
    const aside = this.besideLock(app, 'stale');
    try {
      await rename(this.lockOf(app), aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = await holderOf(aside);
    if (moved && (moved.ino !== stale.ino || moved.pid !== stale.pid)) {
      await rename(aside, this.lockOf(app)).catch(() => undefined);
    }
    await rm(aside, { recursive: true, force: true });
  }

  /** Lets go of the lock, if it is still this process's: moved aside, checked, then removed. */
  private async release(app: string): Promise<void> {
    const aside = this.besideLock(app, 'release');
    try {
      await rename(this.lockOf(app), aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if ((await holderOf(aside))?.pid !== process.pid) await rename(aside, this.lockOf(app)).catch(() => undefined);
    await rm(aside, { recursive: true, force: true });
  }

  /**
   * What processes now gone left beside the app: a build staged (`<app>.<pid>`)
   * or set aside (`<app>.<pid>.old`), a lock half made or half removed
   * (`<app>.lock.<pid>.…`). This process's own staging goes too: it holds the lock.
   */
  private async clearLeftovers(app: string): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.startsWith(`${app}.`)) continue;
      const rest = name.slice(app.length + 1);
      const staged = /^(\d+)(\.old)?$/.exec(rest);
      const locking = /^lock\.(\d+)\.[0-9a-f]+\.(tmp|stale|release)$/.exec(rest);
      const pid = Number(staged?.[1] ?? locking?.[1] ?? NaN);
      if (!Number.isSafeInteger(pid) || pid <= 0) continue;
      if (!isRunning(pid) || (staged && pid === process.pid)) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/** Who holds the lock directory `dir`, or null when there is none. */
async function holderOf(dir: string): Promise<Holder | null> {
  const s = await lstat(dir).catch(ignoreMissingAsNull);
  if (!s) return null;
  const pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null, ino: s.ino, ageMs: Date.now() - s.mtimeMs };
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function ignoreMissingAsFalse(error: NodeJS.ErrnoException): false {
  ignoreMissing(error);
  return false;
}

function ignoreMissingAsNull(error: NodeJS.ErrnoException): null {
  ignoreMissing(error);
  return null;
}

